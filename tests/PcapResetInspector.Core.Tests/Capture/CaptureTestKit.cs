using System.IO.Compression;
using PcapResetInspector.Core.Capture;

namespace PcapResetInspector.Core.Tests.Capture;

/// <summary>A packet copied out of a reader, so tests can keep it past the next read.</summary>
internal sealed record ReadPacket(byte[] Data, long TimestampNanos, int OriginalLength, int LinkType, int InterfaceId, int FcsLength)
{
    // Compares the bytes, not the array references, so lists of packets can be compared whole.
    public bool Equals(ReadPacket? other) =>
        other is not null
        && Data.AsSpan().SequenceEqual(other.Data)
        && TimestampNanos == other.TimestampNanos
        && OriginalLength == other.OriginalLength
        && LinkType == other.LinkType
        && InterfaceId == other.InterfaceId
        && FcsLength == other.FcsLength;

    public override int GetHashCode() => HashCode.Combine(Data.Length, TimestampNanos, OriginalLength, LinkType, InterfaceId);

    public override string ToString() =>
        $"{TimestampNanos} ns, {Data.Length}/{OriginalLength} bytes, link {LinkType}, if {InterfaceId}, fcs {FcsLength}";
}

internal static class CaptureTestKit
{
    public const string Name = "test.cap";

    /// <summary>Opens bytes as a capture, with a chosen first buffer size (tiny ones exercise growth).</summary>
    public static CaptureFileSource Open(byte[] bytes, int bufferSize = 1 << 20) =>
        CaptureFile.Open(new MemoryStream(bytes, writable: false), Name, leaveOpen: false, bufferSize);

    /// <summary>Reads to the end; stops with a failure rather than loop forever on a reader bug.</summary>
    public static List<ReadPacket> ReadAll(IPacketSource source, int limit = 1_000_000)
    {
        var packets = new List<ReadPacket>();
        while (source.TryReadNext(out PacketRecord packet))
        {
            packets.Add(new ReadPacket(packet.Data.ToArray(), packet.TimestampNanos, packet.OriginalLength, packet.LinkType, packet.InterfaceId, packet.FcsLength));
            Assert.True(packets.Count <= limit, $"more than {limit} packets: the reader does not stop");
        }

        Assert.False(source.TryReadNext(out _), "a finished source must stay finished");
        return packets;
    }

    public static List<ReadPacket> ReadAll(byte[] bytes, out CaptureFileSource source, int bufferSize = 1 << 20)
    {
        source = Open(bytes, bufferSize);
        return ReadAll(source);
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>Distinct bytes per packet, so a test can tell which packet it got.</summary>
    public static byte[] Payload(int length, byte seed) =>
        Enumerable.Range(0, length).Select(i => (byte)(seed + i * 7)).ToArray();

    public static void AssertClean(IPacketSource source)
    {
        Assert.Null(source.StopProblem);
        Assert.Empty(source.Problems);
    }

    public static CaptureProblem AssertStoppedWith(IPacketSource source, CaptureProblemKind kind, ProblemSeverity severity)
    {
        CaptureProblem? problem = source.StopProblem;
        Assert.NotNull(problem);
        Assert.Equal(kind, problem.Kind);
        Assert.Equal(severity, problem.Severity);
        Assert.Contains(problem, source.Problems);
        return problem;
    }
}

/// <summary>
/// A stream with no seeking and no length, like a pipe or standard input, handing out at most
/// <c>chunk</c> bytes per read; optionally failing with an IOException once <c>failAt</c> bytes are out.
/// </summary>
internal sealed class PipeLikeStream(byte[] data, int chunk = int.MaxValue, long failAt = -1) : Stream
{
    private int _position;

    public bool Disposed { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    // Not NotSupportedException: a reader touching these must fail the test, not be "handled".
    public override long Length => throw new InvalidOperationException("Length must not be used on a pipe");

    public override long Position
    {
        get => throw new InvalidOperationException("Position must not be used on a pipe");
        set => throw new InvalidOperationException("Position must not be used on a pipe");
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAt >= 0 && _position >= failAt)
        {
            throw new IOException("simulated device failure");
        }

        int limit = failAt >= 0 ? (int)Math.Min(int.MaxValue, failAt - _position) : int.MaxValue;
        int count = Math.Min(Math.Min(buffer.Length, chunk), Math.Min(data.Length - _position, limit));
        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new InvalidOperationException("Seek must not be used on a pipe");

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
