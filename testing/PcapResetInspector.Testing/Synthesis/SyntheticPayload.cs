using System.Buffers.Binary;
using System.Text;

namespace PcapResetInspector.Testing.Synthesis;

/// <summary>How the bytes of an application message are laid out; each kind frames itself as its protocol does.</summary>
internal enum PayloadKind : byte
{
    /// <summary>Lowercase letters keyed to the message offset.</summary>
    Letters,
    /// <summary>An HTTP/1.1 GET whose header block ends exactly at the message end.</summary>
    HttpRequest,
    /// <summary>HTTP/1.1 200 with a Content-Length that matches the body.</summary>
    HttpResponse,
    /// <summary>TLS application-data records (RFC 8446 §5.1) of at most 2^14 bytes each.</summary>
    Tls,
    /// <summary>An NBSS session message (RFC 1002 §4.3.1) with an SMB2 READ request (117 bytes) or, longer, a WRITE request and its data.</summary>
    SmbRequest,
    /// <summary>An NBSS session message with an SMB2 READ response and its data.</summary>
    SmbResponse,
    /// <summary>A DNS query over TCP (RFC 1035 §4.2.2) for the TXT record of www.example.com: always 35 bytes.</summary>
    DnsQuery,
    /// <summary>The answer to <see cref="DnsQuery"/>: TXT strings fill the message to its length.</summary>
    DnsResponse,
    /// <summary>Bytes given by the script (SMB negotiate, NetBIOS session request).</summary>
    Explicit,
}

/// <summary>Fills segment payloads from (kind, message length, offset in message), so a retransmission repeats the bytes exactly.</summary>
internal static class SyntheticPayload
{
    public const int TlsRecordHeader = 5;
    public const int TlsMaxRecord = 16384;
    private const int TlsRecordSpan = TlsRecordHeader + TlsMaxRecord;

    private static readonly byte[] HttpRequestHead = Encoding.ASCII.GetBytes(
        "GET /assets/app/bundle.js HTTP/1.1\r\nHost: intranet.example.com\r\n" +
        "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\nAccept: */*\r\n" +
        "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nCookie: session=");
    private static readonly byte[] HttpResponseHead = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: ");
    private const int ContentLengthDigits = 10;   // zero-padded, which RFC 9110's 1*DIGIT allows
    private static readonly int HttpResponseHeaderLength = HttpResponseHead.Length + ContentLengthDigits + 4;

    /// <summary>26 letters repeated, long enough to slice any segment from any phase.</summary>
    private static readonly byte[] Letters = MakeLetters(26 * 80);

    private static byte[] MakeLetters(int length)
    {
        var letters = new byte[length];
        for (int i = 0; i < letters.Length; i++)
            letters[i] = (byte)('a' + i % 26);
        return letters;
    }

    /// <summary>The smallest message of a kind that its framing fits in.</summary>
    public static int MinimumLength(PayloadKind kind) => kind switch
    {
        PayloadKind.HttpRequest => HttpRequestHead.Length + 5,
        PayloadKind.HttpResponse => HttpResponseHeaderLength,
        PayloadKind.Tls => TlsRecordHeader + 1,
        PayloadKind.SmbRequest => SmbReadRequestLength,
        PayloadKind.SmbResponse => 4 + SmbReadResponseDataOffset + 1,
        PayloadKind.DnsQuery => DnsQueryLength,
        PayloadKind.DnsResponse => DnsQueryLength + DnsAnswerHeader + 1,
        _ => 1,
    };

    /// <summary>A length no smaller than the kind needs and, for TLS, without a last record too short to hold a byte.</summary>
    public static int Fit(PayloadKind kind, int length)
    {
        length = Math.Max(length, MinimumLength(kind));
        if (kind == PayloadKind.Tls && length % TlsRecordSpan is > 0 and <= TlsRecordHeader)
            length += TlsRecordHeader;
        if (kind == PayloadKind.DnsQuery)
            length = DnsQueryLength;
        if (kind == PayloadKind.DnsResponse && (length - DnsQueryLength - DnsAnswerHeader) % TxtStringSpan == 1)
            length++;   // a last TXT string needs a byte after its length byte
        return length;
    }

    public static void Fill(Span<byte> destination, PayloadKind kind, byte[]? bytes, int messageLength, int offset)
    {
        if (kind == PayloadKind.Explicit)
        {
            bytes.AsSpan(offset, destination.Length).CopyTo(destination);
            return;
        }
        FillLetters(destination, offset);
        switch (kind)
        {
            case PayloadKind.HttpRequest:
                Overlay(destination, offset, HttpRequestHead, 0);
                Overlay(destination, offset, "\r\n\r\n"u8, messageLength - 4);
                break;
            case PayloadKind.HttpResponse:
                Overlay(destination, offset, HttpResponseHead, 0);
                Span<byte> tail = stackalloc byte[ContentLengthDigits + 4];
                int body = messageLength - HttpResponseHeaderLength;
                for (int i = ContentLengthDigits - 1; i >= 0; i--, body /= 10)
                    tail[i] = (byte)('0' + body % 10);
                "\r\n\r\n"u8.CopyTo(tail[ContentLengthDigits..]);
                Overlay(destination, offset, tail, HttpResponseHead.Length);
                break;
            case PayloadKind.Tls:
                FillTlsHeaders(destination, messageLength, offset);
                break;
            case PayloadKind.SmbRequest:
            case PayloadKind.SmbResponse:
                if (offset < SmbReadRequestLength)
                {
                    Span<byte> smb = stackalloc byte[SmbReadRequestLength];   // the longest of the three layouts
                    int used = WriteSmb(smb, kind == PayloadKind.SmbResponse, messageLength);
                    Overlay(destination, offset, smb[..used], 0);
                }
                break;
            case PayloadKind.DnsQuery:
            case PayloadKind.DnsResponse:
                FillDns(destination, kind == PayloadKind.DnsResponse, messageLength, offset);
                break;
        }
    }

    private static void FillLetters(Span<byte> destination, int offset)
    {
        int phase = offset % 26;
        while (!destination.IsEmpty)
        {
            int chunk = Math.Min(destination.Length, Letters.Length - phase);
            Letters.AsSpan(phase, chunk).CopyTo(destination);
            destination = destination[chunk..];
            phase = 0;
        }
    }

    /// <summary>Writes the part of <paramref name="source"/>, placed at message offset <paramref name="at"/>, that falls in this segment.</summary>
    private static void Overlay(Span<byte> destination, int offset, ReadOnlySpan<byte> source, int at)
    {
        int start = Math.Max(at, offset);
        int end = Math.Min(at + source.Length, offset + destination.Length);
        if (start < end)
            source[(start - at)..(end - at)].CopyTo(destination[(start - offset)..]);
    }

    // SMB2 (MS-SMB2 2.2.1.2, 2.2.19-2.2.21), after the 4-byte NBSS header.
    private const int Smb2HeaderLength = 64;
    private const int SmbReadRequestLength = 4 + Smb2HeaderLength + 49;
    private const int SmbWriteDataOffset = Smb2HeaderLength + 48;
    private const int SmbReadResponseDataOffset = Smb2HeaderLength + 16;
    private const int SmbHeadersLength = 4 + SmbWriteDataOffset;
    private const ushort Smb2Read = 0x0008;
    private const ushort Smb2Write = 0x0009;

    /// <summary>NBSS header, SMB2 header and the READ/WRITE fixed part; returns how many bytes that is.</summary>
    private static int WriteSmb(Span<byte> buffer, bool response, int messageLength)
    {
        buffer.Clear();
        // Direct-hosted SMB: a zero type byte and a 24-bit length.
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(messageLength - 4) & 0x00FF_FFFF);
        Span<byte> header = buffer[4..];
        bool read = response || messageLength == SmbReadRequestLength;
        header[0] = 0xFE;
        header[1] = (byte)'S';
        header[2] = (byte)'M';
        header[3] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], Smb2HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 1);                          // CreditCharge
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], read ? Smb2Read : Smb2Write);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], 1);                         // credits
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], response ? 1u : 0u);        // SMB2_FLAGS_SERVER_TO_REDIR
        BinaryPrimitives.WriteUInt32LittleEndian(header[32..], 0xFEFF);                    // ProcessId
        BinaryPrimitives.WriteUInt32LittleEndian(header[36..], 1);                         // TreeId
        BinaryPrimitives.WriteUInt64LittleEndian(header[40..], 0x0000_1000_0000_0041);     // SessionId
        Span<byte> body = header[Smb2HeaderLength..];
        if (response)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(body, 17);
            body[2] = SmbReadResponseDataOffset;
            BinaryPrimitives.WriteUInt32LittleEndian(body[4..], (uint)(messageLength - 4 - SmbReadResponseDataOffset));
            return 4 + SmbReadResponseDataOffset;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(body, 49);
        if (read)
        {
            body[2] = 0x50;                                                                // Padding: where the data should go
            BinaryPrimitives.WriteUInt32LittleEndian(body[4..], 1 << 20);                  // Length
            body[16] = 0x11;                                                               // FileId, persistent part
            return SmbReadRequestLength;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(body[2..], SmbWriteDataOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], (uint)(messageLength - SmbHeadersLength));
        body[16] = 0x11;
        return SmbHeadersLength;
    }

    // DNS over TCP: length, header, one question; a response adds one TXT answer (RFC 1035 §4.1, §3.3.14).
    private static readonly byte[] DnsQuestion = [3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 16, 0, 1];
    private const int DnsQueryLength = 2 + 12 + 21;
    private const int DnsAnswerHeader = 12;
    private const int TxtStringSpan = 256;

    private static void FillDns(Span<byte> destination, bool response, int messageLength, int offset)
    {
        Span<byte> head = stackalloc byte[DnsQueryLength + DnsAnswerHeader];
        head.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(head, (ushort)(messageLength - 2));
        BinaryPrimitives.WriteUInt16BigEndian(head[2..], 0x4A7E);                          // ID
        BinaryPrimitives.WriteUInt16BigEndian(head[4..], response ? (ushort)0x8180 : (ushort)0x0100);
        BinaryPrimitives.WriteUInt16BigEndian(head[6..], 1);                               // QDCOUNT
        BinaryPrimitives.WriteUInt16BigEndian(head[8..], response ? (ushort)1 : (ushort)0); // ANCOUNT
        DnsQuestion.CopyTo(head[14..]);
        if (!response)
        {
            Overlay(destination, offset, head[..DnsQueryLength], 0);
            return;
        }
        Span<byte> answer = head[DnsQueryLength..];
        BinaryPrimitives.WriteUInt16BigEndian(answer, 0xC00C);                             // name: pointer to the question
        BinaryPrimitives.WriteUInt16BigEndian(answer[2..], 16);                            // TXT
        BinaryPrimitives.WriteUInt16BigEndian(answer[4..], 1);                             // IN
        BinaryPrimitives.WriteUInt32BigEndian(answer[6..], 300);                           // TTL
        int rdata = messageLength - DnsQueryLength - DnsAnswerHeader;
        BinaryPrimitives.WriteUInt16BigEndian(answer[10..], (ushort)rdata);
        Overlay(destination, offset, head, 0);
        // Character-strings of up to 255 bytes, each after its length byte.
        int first = DnsQueryLength + DnsAnswerHeader;
        Span<byte> lengthByte = stackalloc byte[1];
        for (int at = first + Math.Max(0, offset - first) / TxtStringSpan * TxtStringSpan; at < offset + destination.Length && at < messageLength; at += TxtStringSpan)
        {
            lengthByte[0] = (byte)Math.Min(255, messageLength - at - 1);
            Overlay(destination, offset, lengthByte, at);
        }
    }

    private static void FillTlsHeaders(Span<byte> destination, int messageLength, int offset)
    {
        Span<byte> header = stackalloc byte[TlsRecordHeader];
        for (int record = offset / TlsRecordSpan; record * TlsRecordSpan < offset + destination.Length; record++)
        {
            int start = record * TlsRecordSpan;
            int length = Math.Min(TlsMaxRecord, messageLength - start - TlsRecordHeader);
            header[0] = 0x17;   // application_data
            header[1] = 0x03;   // legacy_record_version 0x0303
            header[2] = 0x03;
            BinaryPrimitives.WriteUInt16BigEndian(header[3..], (ushort)length);
            Overlay(destination, offset, header, start);
        }
    }
}
