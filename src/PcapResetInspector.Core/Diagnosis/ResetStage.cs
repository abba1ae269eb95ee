namespace PcapResetInspector.Core.Diagnosis;

/// <summary>Where in the life of the connection its first RST came.</summary>
public enum ResetStage
{
    /// <summary>The client's SYN was seen, no SYN-ACK came before the RST (a refusal, or a client giving up early).</summary>
    HandshakeBeforeSynAck,
    /// <summary>SYN and SYN-ACK were seen, but not the client's ACK completing the handshake.</summary>
    HandshakeAfterSynAck,
    /// <summary>The handshake completed and no data flowed before the RST.</summary>
    EstablishedNoData,
    /// <summary>The handshake completed and data flowed before the RST, with no FIN before it.</summary>
    EstablishedWithData,
    /// <summary>The originator had sent a FIN before the RST (the first FIN was the originator's).</summary>
    AfterFinByOriginator,
    /// <summary>The responder had sent a FIN before the RST (the first FIN was the responder's).</summary>
    AfterFinByResponder,
    /// <summary>
    /// The RST came just after a quiet period of at least <see cref="DiagnosisOptions.IdleGap"/>, either
    /// within the connection or since the earlier connection on the same tuple.
    /// </summary>
    AfterIdleGap,
    /// <summary>No handshake was seen (the capture began mid-connection, or a lone RST).</summary>
    MidStream,
}
