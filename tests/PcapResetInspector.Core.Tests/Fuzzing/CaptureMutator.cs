using System.Globalization;
using System.IO.Compression;

namespace PcapResetInspector.Core.Tests.Fuzzing;

/// <summary>A capture to mutate: a file of the shared corpus or of captures/.</summary>
internal sealed record MutationSource(string Name, byte[] Data);

/// <summary>One mutated capture, with what was done to it (for failure messages and replay).</summary>
internal sealed record CaptureVariant(int Index, string Source, byte[] Data, string Mutation);

/// <summary>
/// Makes variants of well-formed captures the way damaged files look: bytes flipped, length fields
/// of records, blocks, options, IP and TCP headers set to edge values, timestamps moved, files cut,
/// records duplicated, dropped, swapped or spliced in from another file, junk inserted, gzip layers
/// added and damaged. Variant <c>i</c> depends only on the seed and <c>i</c>, so any one of them can be
/// made again alone.
/// </summary>
internal sealed class CaptureMutator
{
    /// <summary>At most this many bytes are added by duplication, so that variants stay quick to run.</summary>
    private const int MaxGrowth = 4 << 20;

    private readonly int _seed;
    private readonly IReadOnlyList<MutationSource> _sources;

    public CaptureMutator(int seed, IReadOnlyList<MutationSource> sources)
    {
        if (sources.Count == 0)
            throw new ArgumentException("No capture to mutate.", nameof(sources));
        _seed = seed;
        _sources = sources;
    }

    public CaptureVariant Make(int index)
    {
        // System.Random with a seed is deterministic; mixing the index in keeps neighbouring variants unrelated.
        var rng = new Random(unchecked((int)Mix((uint)_seed * 0x9E3779B9u ^ (uint)index)));
        MutationSource source = _sources[rng.Next(_sources.Count)];
        byte[] data = source.Data;
        var applied = new List<string>();
        int steps = rng.Next(4) == 0 ? rng.Next(2, 5) : 1;
        for (int step = 0; step < steps; step++)
            data = MutateOnce(data, rng, applied);
        if (rng.Next(16) == 0)
            data = Gzip(data, rng, applied);
        return new CaptureVariant(index, source.Name, data, string.Join("; ", applied));
    }

    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x7FEB352Du;
        x ^= x >> 15;
        x *= 0x846CA68Bu;
        return x ^ (x >> 16);
    }

    private byte[] MutateOnce(byte[] data, Random rng, List<string> applied)
    {
        CaptureLayout layout = CaptureLayout.Parse(data);
        int roll = rng.Next(100);
        if (data.Length == 0)
            return InsertJunk(data, rng, layout, applied);
        if (roll < 18)
            return FlipBytes(data, rng, layout, applied);
        if (roll < 38)
            return SetField(data, rng, layout, applied, packetFields: false);
        if (roll < 52)
            return SetField(data, rng, layout, applied, packetFields: true);
        if (roll < 62)
            return Truncate(data, rng, layout, applied);
        if (roll < 70)
            return DuplicateRecord(data, rng, layout, applied);
        if (roll < 76)
            return DropRecord(data, rng, layout, applied);
        if (roll < 81)
            return SwapRecords(data, rng, layout, applied);
        if (roll < 85)
            return SetTimestamp(data, rng, layout, applied);
        if (roll < 88)
            return ShiftAllTimestamps(data, rng, layout, applied);
        if (roll < 92)
            return InsertJunk(data, rng, layout, applied);
        if (roll < 95)
            return ShrinkBlock(data, rng, layout, applied);
        if (roll < 97)
            return AddInterfaceOption(data, rng, layout, applied);
        return Splice(data, rng, layout, applied);
    }

    private static string Hex(long value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture);

    private static byte[] FlipBytes(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        byte[] result = (byte[])data.Clone();
        int count = rng.Next(1, 5);
        var flips = new List<string>();
        for (int i = 0; i < count; i++)
        {
            // Half of the flips land in the first 64 bytes of a record, where the headers are.
            int offset = rng.Next(2) == 0 && layout.Boundaries.Count > 0
                ? Math.Min(result.Length - 1, layout.Boundaries[rng.Next(layout.Boundaries.Count)] + rng.Next(64))
                : rng.Next(result.Length);
            byte mask = (byte)rng.Next(1, 256);
            result[offset] ^= mask;
            flips.Add($"{Hex(offset)} ^= {Hex(mask)}");
        }
        applied.Add("flip " + string.Join(", ", flips));
        return result;
    }

    private static byte[] SetField(byte[] data, Random rng, CaptureLayout layout, List<string> applied, bool packetFields)
    {
        List<CaptureField> candidates = layout.Fields
            .Where(f => (f.Kind is FieldKind.LowNibble or FieldKind.HighNibble or FieldKind.Byte || f.Name.Contains(" IPv", StringComparison.Ordinal)
                         || f.Name.Contains(" TCP ", StringComparison.Ordinal)) == packetFields
                        && f.Kind != FieldKind.Timestamp && f.Offset + f.Width <= data.Length)
            .ToList();
        if (candidates.Count == 0)
            return FlipBytes(data, rng, layout, applied);
        CaptureField field = candidates[rng.Next(candidates.Count)];
        byte[] result = (byte[])data.Clone();
        ulong old = CaptureLayout.Read(result, field.Offset, field.Width, field.BigEndian);
        ulong value;
        switch (field.Kind)
        {
            case FieldKind.LowNibble:
                value = (old & 0xF0) | (uint)rng.Next(16);
                break;
            case FieldKind.HighNibble:
                value = (old & 0x0F) | ((uint)rng.Next(16) << 4);
                break;
            case FieldKind.Byte:
                value = (ulong)rng.Next(256);
                break;
            default:
                value = EdgeValue(field, old, rng);
                break;
        }
        CaptureLayout.Write(result, field.Offset, field.Width, field.BigEndian, value);
        applied.Add($"set {field.Name} at {Hex(field.Offset)}: {old} -> {value}");
        return result;
    }

    private static ulong Pick(Random rng, ulong[] values) => values[rng.Next(values.Length)];

    /// <summary>Link types the decoder reads, a few it does not, and the largest value.</summary>
    private static readonly ulong[] LinkTypes = [0, 1, 9, 12, 14, 101, 104, 105, 113, 127, 147, 192, 228, 229, 276, 0xFFFF];

    /// <summary>Values that break length arithmetic: zero, the minimums, off by one or four, sign bits, all ones, the limits.</summary>
    private static ulong EdgeValue(CaptureField field, ulong old, Random rng)
    {
        ulong mask = field.Width == 8 ? ulong.MaxValue : (1UL << (8 * field.Width)) - 1;
        ulong[] common = [0, 1, 2, 3, 4, 7, 8, 11, 12, 13, 16, 19, 20, 21, 27, 28, 31, 32, 40, 60, old - 1, old + 1, old - 4, old + 4, old * 2, old / 2];
        ulong[] wide = field.Width switch
        {
            1 => [0x7F, 0x80, 0xFF],
            2 => [0x7FFF, 0x8000, 0xFFFF, 0xFFFE, 1500, 9000],
            4 => [0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFC, 0xFFFF, 0x1_0000, 262_144, 262_145,
                  0x0FFF_FFFC, 0x1000_0000, 0x1000_0040, 0x0100_0000],
            _ => [ulong.MaxValue, long.MaxValue, 0x8000_0000_0000_0000, 0xFFFF_FFFF],
        };
        ulong value = field.Kind switch
        {
            FieldKind.LinkType => LinkTypes[rng.Next(LinkTypes.Length)],
            FieldKind.Version => (ulong)rng.Next(6),
            FieldKind.InterfaceId => (ulong)(rng.Next(4) == 0 ? uint.MaxValue : (uint)rng.Next(4)),
            // Around the wrap, half the space away, and just past TOO_LARGE_SEQ_DELTA (2^20) from where it was.
            FieldKind.Sequence => Pick(rng, [0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, old - 1, old + 1, old + 0x10_0001, old - 0x10_0001,
                                             old + 0x8000_0000, (uint)rng.Next()]),
            // Server ports that flip roles (zeek-conn-semantics §4.4), 0, the top, or the next port.
            FieldKind.Port => Pick(rng, [0, 21, 80, 139, 445, 8080, 65535, old + 1]),
            // pcapng §4.2: if_name, if_tsresol, if_fcslen, if_tsoffset; custom options; the end marker.
            FieldKind.OptionCode => Pick(rng, [0, 1, 2, 9, 13, 14, 2988, 2989, 0x8000, 0xFFFF]),
            _ => rng.Next(8) == 0 ? (ulong)rng.NextInt64() : rng.Next(2) == 0 ? common[rng.Next(common.Length)] : wide[rng.Next(wide.Length)],
        };
        return value & mask;
    }

    private static byte[] SetTimestamp(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        List<CaptureField> stamps = layout.Fields.Where(f => f.Kind == FieldKind.Timestamp && f.Offset + f.Width <= data.Length).ToList();
        if (stamps.Count == 0)
            return FlipBytes(data, rng, layout, applied);
        CaptureField field = stamps[rng.Next(stamps.Count)];
        byte[] result = (byte[])data.Clone();
        uint old = (uint)CaptureLayout.Read(result, field.Offset, 4, field.BigEndian);
        // Backwards, an hour or a day ahead (the outlier rule), the epoch, the ends of the 32-bit range.
        uint[] choices = [0, 1, old - 1, old + 1, old - 2, old + 3_600, old + 7_200, old - 86_400, old + 86_400,
                          0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 999_999, 1_000_000, 999_999_999, 1_000_000_000, (uint)rng.Next()];
        uint value = choices[rng.Next(choices.Length)];
        CaptureLayout.Write(result, field.Offset, 4, field.BigEndian, value);
        applied.Add($"set {field.Name} at {Hex(field.Offset)}: {old} -> {value}");
        return result;
    }

    /// <summary>
    /// Every record's time moved together, so the spacing (and the timers) survive but the values reach the
    /// ends of what the formats hold: pcap's unsigned seconds up to 2106, pcapng's 64-bit ticks past 2262
    /// or with the top bit set.
    /// </summary>
    private static byte[] ShiftAllTimestamps(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        List<CaptureField> stamps = layout.Fields
            .Where(f => f.Kind == FieldKind.Timestamp && f.Offset + f.Width <= data.Length &&
                        (f.Name.EndsWith(" seconds", StringComparison.Ordinal) || f.Name.EndsWith(" timestamp high", StringComparison.Ordinal)))
            .ToList();
        if (stamps.Count == 0)
            return SetTimestamp(data, rng, layout, applied);
        byte[] result = (byte[])data.Clone();
        uint firstValue = (uint)CaptureLayout.Read(result, stamps[0].Offset, 4, stamps[0].BigEndian);
        uint[] targets = [0, 1, 0x7FFF_FF00, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FF00, 0xFFFF_FFF0, 0x0010_0000, 0x00FF_FFFF];
        uint target = targets[rng.Next(targets.Length)];
        uint delta = target - firstValue;
        foreach (CaptureField field in stamps)
        {
            uint old = (uint)CaptureLayout.Read(result, field.Offset, 4, field.BigEndian);
            CaptureLayout.Write(result, field.Offset, 4, field.BigEndian, old + delta);
        }
        applied.Add($"shift {stamps.Count} timestamps so the first one's seconds or high word is {Hex(target)}");
        return result;
    }

    /// <summary>A pcapng block made shorter with both its length fields agreeing, so only the body is too short for its type.</summary>
    private static byte[] ShrinkBlock(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        List<CaptureRecord> blocks = layout.Records.Where(r => r.BlockType >= 0 && r.Length > 12).ToList();
        if (blocks.Count == 0)
            return Truncate(data, rng, layout, applied);
        CaptureRecord block = blocks[rng.Next(blocks.Count)];
        int[] sizes = [12, 16, 20, 24, 28, 32, block.Length - 4];
        int size = Math.Max(12, Math.Min(block.Length - 4, sizes[rng.Next(sizes.Length)]));
        var shrunk = new byte[size];
        data.AsSpan(block.Offset, size - 4).CopyTo(shrunk);
        CaptureLayout.Write(shrunk, 4, 4, block.BigEndian, (ulong)size);
        CaptureLayout.Write(shrunk, size - 4, 4, block.BigEndian, (ulong)size);
        applied.Add($"shrink {block.Name} at {Hex(block.Offset)} from {block.Length} to {size} bytes");
        return [.. data.AsSpan(0, block.Offset), .. shrunk, .. data.AsSpan(block.Offset + block.Length)];
    }

    /// <summary>
    /// An option added to an interface description block (pcapng §4.2): a time resolution or offset that
    /// pushes timestamps to the ends of the range, an FCS length, or one of the wrong length.
    /// </summary>
    private static byte[] AddInterfaceOption(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        List<CaptureRecord> interfaces = layout.Records.Where(r => r.BlockType == 1 && r.Length >= 20).ToList();
        if (interfaces.Count == 0)
            return SetField(data, rng, layout, applied, packetFields: false);
        CaptureRecord idb = interfaces[rng.Next(interfaces.Count)];
        bool be = idb.BigEndian;
        byte[] value;
        ushort code;
        switch (rng.Next(4))
        {
            case 0:
                code = 9;   // if_tsresol: a power of 10 or, with the top bit, of 2
                value = [(byte)Pick(rng, [0, 3, 6, 9, 10, 12, 19, 20, 29, 30, 127, 0x80, 0x81, 0x8A, 0x9E, 0xBF, 0xC0, 0xFF])];
                break;
            case 1:
                code = 14;  // if_tsoffset: seconds added to every timestamp
                value = new byte[8];
                ulong seconds = Pick(rng, [0, 1, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF,
                                           9_223_372_036, 0xFFFF_FFFF_DDDD_DDDD, (ulong)rng.NextInt64()]);
                CaptureLayout.Write(value, 0, 8, be, seconds);
                break;
            case 2:
                code = 13;  // if_fcslen, in bits
                value = [(byte)Pick(rng, [0, 4, 8, 16, 32, 3, 255])];
                break;
            default:
                code = (ushort)Pick(rng, [9, 13, 14]);   // the right code with the wrong length
                value = new byte[rng.Next(0, 12)];
                rng.NextBytes(value);
                break;
        }

        // The options end at opt_endofopt or at the block's end; the new one goes just before either.
        int optionsStart = idb.Offset + 16, blockEnd = idb.Offset + idb.Length - 4, at = optionsStart;
        while (at + 4 <= blockEnd && CaptureLayout.Read(data, at, 2, be) != 0)
            at += 4 + (((int)CaptureLayout.Read(data, at + 2, 2, be) + 3) & ~3);
        at = Math.Min(at, blockEnd);
        var option = new byte[4 + ((value.Length + 3) & ~3)];
        CaptureLayout.Write(option, 0, 2, be, code);
        CaptureLayout.Write(option, 2, 2, be, (ulong)value.Length);
        value.CopyTo(option, 4);
        byte[] end = at + 4 <= blockEnd ? [] : new byte[4];   // keep or add an opt_endofopt after it
        byte[] result = [.. data.AsSpan(0, at), .. option, .. end, .. data.AsSpan(at)];
        int newLength = idb.Length + option.Length + end.Length;
        CaptureLayout.Write(result, idb.Offset + 4, 4, be, (ulong)newLength);
        CaptureLayout.Write(result, idb.Offset + newLength - 4, 4, be, (ulong)newLength);
        applied.Add($"add option {code} ({value.Length} bytes: {Convert.ToHexString(value)}) to {idb.Name} at {Hex(idb.Offset)}");
        return result;
    }

    private static byte[] Truncate(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        int at = rng.Next(2) == 0 && layout.Boundaries.Count > 0
            ? Math.Clamp(layout.Boundaries[rng.Next(layout.Boundaries.Count)] + rng.Next(-3, 20), 0, data.Length - 1)
            : rng.Next(data.Length);
        applied.Add($"cut at {Hex(at)} of {Hex(data.Length)}");
        return data[..at];
    }

    private static byte[] DuplicateRecord(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        if (layout.Records.Count == 0)
            return FlipBytes(data, rng, layout, applied);
        CaptureRecord record = layout.Records[rng.Next(layout.Records.Count)];
        // Now and then many copies: one connection's packet repeated, or one block type over and over.
        int copies = rng.Next(10) == 0 ? rng.Next(2, 2_000) : 1;
        byte[] bytes = data.AsSpan(record.Offset, record.Length).ToArray();
        copies = Math.Max(1, Math.Min(copies, MaxGrowth / Math.Max(1, bytes.Length)));   // a "record" may be the rest of the file
        int at = record.Offset + record.Length;
        var result = new byte[data.Length + copies * bytes.Length];
        data.AsSpan(0, at).CopyTo(result);
        for (int i = 0; i < copies; i++)
            bytes.CopyTo(result, at + i * bytes.Length);
        data.AsSpan(at).CopyTo(result.AsSpan(at + copies * bytes.Length));
        applied.Add($"duplicate {record.Name} at {Hex(record.Offset)} x{copies}");
        return result;
    }

    private static byte[] DropRecord(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        if (layout.Records.Count == 0)
            return Truncate(data, rng, layout, applied);
        CaptureRecord record = layout.Records[rng.Next(layout.Records.Count)];
        applied.Add($"drop {record.Name} at {Hex(record.Offset)} ({record.Length} bytes)");
        return [.. data.AsSpan(0, record.Offset), .. data.AsSpan(record.Offset + record.Length)];
    }

    private static byte[] SwapRecords(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        if (layout.Records.Count < 2)
            return DuplicateRecord(data, rng, layout, applied);
        int i = rng.Next(layout.Records.Count), j = rng.Next(layout.Records.Count);
        if (i == j)
            j = (i + 1) % layout.Records.Count;
        (CaptureRecord first, CaptureRecord second) = i < j ? (layout.Records[i], layout.Records[j]) : (layout.Records[j], layout.Records[i]);
        applied.Add($"swap {first.Name} and {second.Name}");
        ReadOnlySpan<byte> d = data;
        return [.. d[..first.Offset], .. d.Slice(second.Offset, second.Length),
                .. d[(first.Offset + first.Length)..second.Offset], .. d.Slice(first.Offset, first.Length),
                .. d[(second.Offset + second.Length)..]];
    }

    private static byte[] InsertJunk(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        int at = rng.Next(2) == 0 && layout.Boundaries.Count > 0
            ? Math.Min(layout.Boundaries[rng.Next(layout.Boundaries.Count)], data.Length)
            : rng.Next(data.Length + 1);
        int[] sizes = [1, 2, 3, 4, 8, 12, 16, rng.Next(1, 65)];
        var junk = new byte[sizes[rng.Next(sizes.Length)]];
        if (rng.Next(3) != 0)
            rng.NextBytes(junk);   // else zeros
        applied.Add($"insert {junk.Length} {(junk.Any(b => b != 0) ? "random" : "zero")} bytes at {Hex(at)}");
        return [.. data.AsSpan(0, at), .. junk, .. data.AsSpan(at)];
    }

    /// <summary>A record from another capture (another format, byte order or link type), or a whole other capture appended.</summary>
    private byte[] Splice(byte[] data, Random rng, CaptureLayout layout, List<string> applied)
    {
        MutationSource other = _sources[rng.Next(_sources.Count)];
        if (rng.Next(3) == 0)
        {
            applied.Add($"append {other.Name}");
            return [.. data, .. other.Data];
        }
        CaptureLayout otherLayout = CaptureLayout.Parse(other.Data);
        if (otherLayout.Records.Count == 0 || layout.Boundaries.Count == 0)
            return InsertJunk(data, rng, layout, applied);
        CaptureRecord record = otherLayout.Records[rng.Next(otherLayout.Records.Count)];
        int at = Math.Min(layout.Boundaries[rng.Next(layout.Boundaries.Count)], data.Length);
        applied.Add($"insert {record.Name} of {other.Name} at {Hex(at)}");
        return [.. data.AsSpan(0, at), .. other.Data.AsSpan(record.Offset, record.Length), .. data.AsSpan(at)];
    }

    /// <summary>RFC 1952: a gzip layer, sometimes damaged or cut, for the decompressing path.</summary>
    private static byte[] Gzip(byte[] data, Random rng, List<string> applied)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(data);
        byte[] compressed = buffer.ToArray();
        // An empty input may compress to nothing at all: then there is nothing to damage.
        switch (compressed.Length > 10 ? rng.Next(3) : 0)
        {
            case 0:
                applied.Add("gzip");
                return compressed;
            case 1:
                int offset = rng.Next(10, compressed.Length);
                compressed[offset] ^= (byte)rng.Next(1, 256);
                applied.Add($"gzip, then flip compressed byte {Hex(offset)}");
                return compressed;
            default:
                int at = rng.Next(compressed.Length);
                applied.Add($"gzip, then cut at {Hex(at)} of {Hex(compressed.Length)}");
                return compressed[..at];
        }
    }
}
