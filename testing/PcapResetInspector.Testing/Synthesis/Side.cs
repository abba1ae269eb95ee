namespace PcapResetInspector.Testing.Synthesis;

/// <summary>Which end of a scripted TCP conversation sends a segment.</summary>
public enum Side
{
    /// <summary>The active opener (sends the SYN).</summary>
    Client,
    /// <summary>The passive opener (answers with SYN-ACK or RST).</summary>
    Server,
}
