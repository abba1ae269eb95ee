using Parquet;
using Parquet.Schema;

namespace PcapResetInspector.Core.Export;

/// <summary>
/// One column of the row group being filled: values go into an array sized for a whole row group, which
/// is handed to Parquet.Net in one call when the group is full, so a row costs no allocation of its own.
/// </summary>
internal abstract class ParquetColumn(DataField field)
{
    public DataField Field { get; } = field;

    /// <summary>Writes the first <paramref name="rows"/> values as this column's chunk, then forgets them.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter group, int rows);
}

/// <summary>A column that always has a value (counts, ports, the start time).</summary>
internal sealed class RequiredColumn<T>(DataField field, int capacity) : ParquetColumn(field)
    where T : struct
{
    private readonly T[] _values = new T[capacity];

    public void Set(int row, T value) => _values[row] = value;

    public override Task WriteAsync(ParquetRowGroupWriter group, int rows) =>
        group.WriteAsync<T>(Field, _values.AsMemory(0, rows));
}

/// <summary>A column that may be empty (null), as the CSV's field is empty.</summary>
internal sealed class OptionalColumn<T>(DataField field, int capacity) : ParquetColumn(field)
    where T : struct
{
    private readonly T?[] _values = new T?[capacity];

    public void Set(int row, T? value) => _values[row] = value;

    public override Task WriteAsync(ParquetRowGroupWriter group, int rows) =>
        group.WriteAsync<T>(Field, _values.AsMemory(0, rows));
}

/// <summary>
/// UTF-8 text, null where the CSV field is empty. A string the row already has is referenced as it is;
/// text formatted for the row (addresses, Community IDs, filters) is copied into character buffers kept
/// until the row group is written, so neither needs a string per value.
/// </summary>
internal sealed class TextColumn(DataField field, int capacity) : ParquetColumn(field)
{
    private readonly ReadOnlyMemory<char>?[] _values = new ReadOnlyMemory<char>?[capacity];
    // Grown on demand: most text columns reference strings the rows already have and never copy.
    private char[] _buffer = [];
    private int _used;

    // Typed null: a bare null would convert through char[] to an empty, non-null ReadOnlyMemory.
    public void Set(int row, string? value) =>
        _values[row] = string.IsNullOrEmpty(value) ? (ReadOnlyMemory<char>?)null : value.AsMemory();

    public void Set(int row, ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            _values[row] = null;
            return;
        }
        if (_buffer.Length - _used < value.Length)
        {
            // Values already set keep pointing into the old buffer, which lives on until the group is written.
            _buffer = new char[Math.Max(Math.Max(_buffer.Length * 2, 4096), value.Length)];
            _used = 0;
        }
        value.CopyTo(_buffer.AsSpan(_used));
        _values[row] = _buffer.AsMemory(_used, value.Length);
        _used += value.Length;
    }

    public override async Task WriteAsync(ParquetRowGroupWriter group, int rows)
    {
        await group.WriteAsync<ReadOnlyMemory<char>>(Field, _values.AsMemory(0, rows)).ConfigureAwait(false);
        // Let go of the row group's strings (evidence text is long) before the next group fills.
        Array.Clear(_values, 0, rows);
        _used = 0;
    }
}
