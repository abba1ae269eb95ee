using System.Runtime.ExceptionServices;
using PcapResetInspector.Core.Capture;
using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Decoding;

namespace PcapResetInspector.Core.Analysis;

/// <summary>
/// Reading and decoding on a second thread. The reader thread fills batches of decoded segments; the
/// calling thread tracks them in the same order and runs every sink, so the connection tracker, the diagnosis
/// and the exports stay single-threaded and their results do not depend on the split. A fixed ring of
/// batches is handed back and forth, so the steady state allocates nothing.
/// </summary>
public sealed partial class CaptureAnalyzer
{
    private const int SegmentsPerBatch = 1024;
    private const int BatchesInFlight = 8;

    /// <summary>
    /// The tracker reads from the frame only the first bytes of the payload (ConnectionTracker keeps four), so
    /// those are copied with each segment and its payload offset is made relative to the copy.
    /// </summary>
    private const int PayloadHeadLength = 4;

    private sealed class SegmentBatch
    {
        public readonly TcpSegment[] Segments = new TcpSegment[SegmentsPerBatch];
        public readonly byte[] PayloadHeads = new byte[SegmentsPerBatch * PayloadHeadLength];
        public readonly byte[] PayloadHeadLengths = new byte[SegmentsPerBatch];
        public int Count;
        public bool Last;
    }

    private SegmentBatch[]? _batches;

    private bool RunOnTwoThreads(IPacketSource source, CancellationToken cancellation)
    {
        if (!DiagnoseOnThirdThread)
            return ReadOnSecondThread(source, cancellation);

        IConnectionSink sink = _tracker.Sink;
        using var handOff = new ConnectionHandOff(_tracker, sink);
        _tracker.Sink = handOff;
        handOff.Start();
        bool readToEnd;
        try
        {
            readToEnd = ReadOnSecondThread(source, cancellation);
        }
        catch (Exception e)
        {
            if (handOff.Stop() is { } diagnosisFailure && !ReferenceEquals(diagnosisFailure.SourceException, e))
                diagnosisFailure.Throw();
            throw;
        }
        finally
        {
            _tracker.Sink = sink;
        }
        handOff.Finish();
        return readToEnd;
    }

    private bool ReadOnSecondThread(IPacketSource source, CancellationToken cancellation)
    {
        _batches ??= CreateBatches();
        SegmentBatch[] batches = _batches;
        using var filled = new SemaphoreSlim(0, int.MaxValue);
        using var free = new SemaphoreSlim(BatchesInFlight, int.MaxValue);
        // The reader stops for the caller's token, or when tracking fails, so it never waits forever for
        // a thread that has stopped taking batches.
        using var trackingFailed = new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, trackingFailed.Token);
        ExceptionDispatchInfo? failure = null;
        bool readToEnd = false;

        var reader = new Thread(() =>
        {
            SegmentBatch? batch = null;
            int next = 0;
            try
            {
                free.Wait(stop.Token);
                batch = batches[next];
                readToEnd = ReadAndDecode(source, stop.Token, ref batch, ref next, filled, free);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                readToEnd = false;
            }
            catch (Exception e)
            {
                // Handed to the calling thread, which first tracks everything decoded before it.
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                // Always one last batch, possibly empty, so the calling thread knows the reader is done;
                // unless that thread has failed and only waits for this one to end.
                if (batch is null)
                {
                    try
                    {
                        free.Wait(trackingFailed.Token);
                        batch = batches[next];
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
                if (batch is not null && !trackingFailed.IsCancellationRequested)
                {
                    batch.Last = true;
                    filled.Release();
                }
            }
        })
        {
            IsBackground = true,
            Name = "capture reader",
        };
        reader.Start();

        try
        {
            int current = 0;
            while (true)
            {
                filled.Wait();
                SegmentBatch batch = batches[current];
                bool last = batch.Last;
                try
                {
                    TrackBatch(batch);
                }
                finally
                {
                    batch.Count = 0;
                    batch.Last = false;
                }
                if (last)
                    break;
                current = (current + 1) % BatchesInFlight;
                free.Release();
            }
        }
        catch
        {
            trackingFailed.Cancel();
            reader.Join();
            throw;
        }

        reader.Join();
        failure?.Throw();
        return readToEnd && !cancellation.IsCancellationRequested;
    }

    private static SegmentBatch[] CreateBatches()
    {
        var batches = new SegmentBatch[BatchesInFlight];
        for (int i = 0; i < batches.Length; i++)
            batches[i] = new SegmentBatch();
        return batches;
    }

    /// <summary>The reader thread's loop. False if cancellation stopped it.</summary>
    private bool ReadAndDecode(IPacketSource source, CancellationToken cancellation, ref SegmentBatch? batch, ref int next,
        SemaphoreSlim filled, SemaphoreSlim free)
    {
        int untilCheck = CancellationCheckInterval;
        while (source.TryReadNext(out PacketRecord packet))
        {
            int index = batch!.Count;
            ref TcpSegment segment = ref batch.Segments[index];
            if (Decode(in packet, out segment))
            {
                SegmentObserver?.Observe(in segment, packet.Data);
                CopyPayloadHead(ref segment, packet.Data, batch, index);
                if (++batch.Count == SegmentsPerBatch)
                {
                    filled.Release();
                    batch = null; // the tracking thread's now; a failure below must not publish it twice
                    next = (next + 1) % BatchesInFlight;
                    free.Wait(cancellation);
                    batch = _batches![next];
                }
            }

            if (--untilCheck == 0)
            {
                untilCheck = CancellationCheckInterval;
                if (cancellation.IsCancellationRequested)
                    return false;
            }
        }
        return true;
    }

    private static void CopyPayloadHead(ref TcpSegment segment, ReadOnlySpan<byte> frame, SegmentBatch batch, int index)
    {
        int available = Math.Clamp(frame.Length - segment.PayloadOffset, 0, Math.Min(PayloadHeadLength, segment.CapturedPayloadLength));
        if (available > 0)
            frame.Slice(segment.PayloadOffset, available).CopyTo(batch.PayloadHeads.AsSpan(index * PayloadHeadLength));
        batch.PayloadHeadLengths[index] = (byte)available;
        segment.PayloadOffset = 0;
    }

    private void TrackBatch(SegmentBatch batch)
    {
        TcpSegment[] segments = batch.Segments;
        for (int i = 0; i < batch.Count; i++)
            Track(in segments[i], batch.PayloadHeads.AsSpan(i * PayloadHeadLength, batch.PayloadHeadLengths[i]));
    }
}
