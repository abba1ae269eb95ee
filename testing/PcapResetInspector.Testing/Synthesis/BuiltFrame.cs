namespace PcapResetInspector.Testing.Synthesis;

/// <summary>One frame made by a <see cref="TrafficBuilder"/>: link-layer header included.</summary>
public readonly record struct BuiltFrame(long TimestampNanos, byte[] Data, int LinkType);
