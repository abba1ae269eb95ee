namespace PcapResetInspector.LibPcap;

/// <summary>
/// LINKTYPE_ values (in files, and in <see cref="Core.Capture.PacketRecord"/>) against the DLT_ values libpcap's
/// calls take and return. They are equal except for a few, of which only raw IP matters here: libpcap's
/// pcap-common.c linktype_to_dlt maps LINKTYPE_RAW (101) to DLT_RAW, which is 12 on every platform .NET runs on
/// (14 only on OpenBSD). Old files that wrote DLT_RAW itself (12, or 14 from OpenBSD) mean raw IP as well.
/// </summary>
internal static class DataLinkTypes
{
    private const int DltRaw = 12;

    public static int ToDlt(int linkType) => linkType switch
    {
        Core.Capture.LinkTypes.Raw or Core.Capture.LinkTypes.RawBsd12 or Core.Capture.LinkTypes.RawBsd14 => DltRaw,
        _ => linkType,
    };

    public static int ToLinkType(int dataLinkType) => dataLinkType == DltRaw ? Core.Capture.LinkTypes.Raw : dataLinkType;
}
