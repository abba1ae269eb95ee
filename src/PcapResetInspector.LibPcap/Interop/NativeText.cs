using System.Runtime.InteropServices;
using System.Text;

namespace PcapResetInspector.LibPcap;

/// <summary>Strings across the native boundary, always UTF-8 and NUL-terminated (libpcap 1.10 takes and gives UTF-8).</summary>
internal static unsafe class NativeText
{
    /// <summary>Copies a C string that libpcap owns; a null pointer gives the empty string.</summary>
    public static string Decode(byte* text) =>
        text is null ? string.Empty : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));

    /// <summary>Copies a C string out of an error buffer, which is not NUL-terminated past its length.</summary>
    public static string Decode(ReadOnlySpan<byte> buffer)
    {
        int end = buffer.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? buffer : buffer[..end]);
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>, for a const char* parameter.</summary>
    public static byte[] Encode(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
