using System.CommandLine;
using PcapResetInspector.LibPcap;

namespace PcapResetInspector.Cli.Commands;

/// <summary>`interfaces` (also `-D`, as tcpdump and tshark spell it): what can be captured on.</summary>
public static class InterfacesCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("interfaces", "List the interfaces libpcap can capture on (also -D): name, description, addresses, flags.");
        command.SetAction(_ => Run(output, error));
        return command;
    }

    public static int Run(TextWriter output, TextWriter error)
    {
        if (!LibPcapRuntime.IsAvailable)
        {
            error.WriteLine("pcap-reset-inspector: listing interfaces needs libpcap, and none was found: " +
                            LibPcapLibrary.InstallHint(LibPcapLibrary.CurrentPlatform));
            return ExitCodes.PcapError;
        }
        IReadOnlyList<CaptureDevice> devices;
        try
        {
            devices = CaptureDevices.List();
        }
        catch (LiveCaptureException e)
        {
            error.WriteLine("pcap-reset-inspector: " + Reporting.SafeText.Escape(e.Message));
            return CaptureWorker.ExitCodeFor(e.Kind);
        }
        if (devices.Count == 0)
        {
            error.WriteLine("pcap-reset-inspector: no interfaces found (capturing usually needs root or CAP_NET_RAW)");
            return ExitCodes.InvalidInterface;
        }

        // tcpdump -D's shape: a number, the name, the description, the flags in brackets; addresses below.
        int number = 1;
        foreach (CaptureDevice device in devices)
        {
            // Names and descriptions come from drivers and the system: escaped like any outside text.
            string description = device.Description is { Length: > 0 } d ? $" ({d})" : "";
            output.WriteLine(Reporting.SafeText.Escape($"{number++}.{device.Name}{description} [{string.Join(", ", Flags(device))}]"));
            foreach (string address in device.Addresses)
                output.WriteLine("    " + Reporting.SafeText.Escape(address));
        }
        return ExitCodes.Success;
    }

    private static IEnumerable<string> Flags(CaptureDevice device)
    {
        if (device.IsLoopback) yield return "Loopback";
        if (device.IsUp) yield return "Up";
        if (device.IsRunning) yield return "Running";
        if (device.IsWireless) yield return "Wireless";
        switch (device.ConnectionStatus)
        {
            case ConnectionStatus.Connected: yield return "Connected"; break;
            case ConnectionStatus.Disconnected: yield return "Disconnected"; break;
        }
    }
}
