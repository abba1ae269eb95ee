using DuckDB.NET.Data;

namespace PcapResetInspector.Cli.Tests;

/// <summary>
/// Reads what the exports wrote with DuckDB, an engine that shares no code with the writer's library, so
/// a file both libraries misread the same way cannot pass.
/// </summary>
internal static class DuckDb
{
    public sealed record Table(string[] Columns, List<object?[]> Rows);

    public static Table Query(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        string[] columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return new Table(columns, rows);
    }

    /// <summary>A path as an SQL string literal.</summary>
    public static string Literal(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
}
