namespace PcapResetInspector.LibPcap;

/// <summary>libpcap refused a filter expression; <see cref="LibPcapMessage"/> is its own explanation.</summary>
public sealed class BpfFilterException : Exception
{
    public BpfFilterException(string expression, int linkType, string libPcapMessage)
        : base($"Invalid filter \"{expression}\" for link type {Core.Capture.LinkTypes.Name(linkType)}: {libPcapMessage}")
    {
        Expression = expression;
        LinkType = linkType;
        LibPcapMessage = libPcapMessage;
    }

    public string Expression { get; }

    /// <summary>The LINKTYPE_ value the expression was compiled for.</summary>
    public int LinkType { get; }

    /// <summary>pcap_geterr(3PCAP) after pcap_compile failed, e.g. "syntax error" or "port 99999 > 65535".</summary>
    public string LibPcapMessage { get; }
}
