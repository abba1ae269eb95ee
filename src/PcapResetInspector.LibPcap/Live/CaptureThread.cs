using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.LibPcap;

/// <summary>
/// Takes packets off the kernel on a thread that does nothing else and copies them into a
/// <see cref="PacketRing"/>, which the analysis reads on its own thread. The kernel buffer then only ever waits
/// for a copy, never for the diagnosis (as Suricata's autofp capture threads and Zeek's packet sources do).
/// </summary>
public sealed class CaptureThread
{
    private readonly LiveCapture _capture;
    private readonly PacketRing _ring;
    private readonly long _packetLimit;
    private readonly Thread _thread;

    /// <param name="packetLimit">Stop after this many packets taken off the kernel (-c), null for no limit.</param>
    public CaptureThread(LiveCapture capture, PacketRing ring, long? packetLimit = null)
    {
        _capture = capture;
        _ring = ring;
        _packetLimit = packetLimit ?? long.MaxValue;
        // Above the analysis: on a busy machine the reader must get the core first, or the kernel drops.
        _thread = new Thread(Run) { IsBackground = true, Name = "capture " + capture.Name, Priority = ThreadPriority.AboveNormal };
    }

    /// <summary>Packets taken off the kernel, written to the ring or dropped there.</summary>
    public long PacketsTaken { get; private set; }

    /// <summary>What ended the thread unexpectedly, if anything did.</summary>
    public Exception? Failure { get; private set; }

    public void Start() => _thread.Start();

    /// <summary>Ends the capture (from any thread); the ring completes once the thread has returned.</summary>
    public void Stop() => _capture.Stop();

    /// <summary>Waits for the thread to return; after it, the counters are final.</summary>
    public void Join() => _thread.Join();

    private void Run()
    {
        try
        {
            long taken = 0;
            while (taken < _packetLimit && _capture.TryReadNext(out PacketRecord packet))
            {
                taken++;
                _ring.TryWrite(packet.TimestampNanos, packet.OriginalLength, packet.Data);
                PacketsTaken = taken;
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
        finally
        {
            _ring.Complete();
        }
    }
}
