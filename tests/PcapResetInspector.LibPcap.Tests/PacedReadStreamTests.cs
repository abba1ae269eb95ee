using PcapResetInspector.LibPcap.Kernel;

namespace PcapResetInspector.LibPcap.Tests;

/// <summary>trace_pipe read in batches: a pause after a short read, none after a full one or when stopping.</summary>
public sealed class PacedReadStreamTests
{
    /// <summary>Hands out the given read sizes in turn, as a pipe returns what it has.</summary>
    private sealed class Reads(params int[] sizes) : Stream
    {
        private int _next;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => _next < sizes.Length ? Math.Min(buffer.Length, sizes[_next++]) : 0;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void AShortRead_IsFollowedByAPause_AFullOneIsNot()
    {
        var pauses = new List<TimeSpan>();
        using var stream = new PacedReadStream(new Reads(10, 1000, 900, 10, 10), TimeSpan.FromMilliseconds(20), pauses.Add);
        var buffer = new byte[1000];
        var paused = new List<bool>();
        for (int i = 0; i < 5; i++)
        {
            int before = pauses.Count;
            _ = stream.Read(buffer);
            paused.Add(pauses.Count > before);
        }
        // The first read waits for nothing; after 10 bytes a pause; after 1000 and 900 (most of the buffer) none.
        Assert.Equal([false, true, false, false, true], paused);
        Assert.All(pauses, p => Assert.Equal(TimeSpan.FromMilliseconds(20), p));
    }

    [Fact]
    public void WhenHurried_ItReadsAtOnce()
    {
        var pauses = new List<TimeSpan>();
        using var stream = new PacedReadStream(new Reads(10, 10, 10), TimeSpan.FromSeconds(1), pauses.Add);
        var buffer = new byte[100];
        _ = stream.Read(buffer);
        stream.Hurry = true;
        _ = stream.Read(buffer);
        _ = stream.Read(buffer);
        Assert.Empty(pauses);
    }
}
