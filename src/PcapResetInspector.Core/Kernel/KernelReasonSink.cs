using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Kernel;

/// <summary>
/// Joins each diagnosis to the kernel's events for its first RST: tcp_send_reset when the local host sent it (the
/// event's source being the resetter), tcp_receive_reset when a local socket took it (the event's source being the
/// resetter's peer). The sender's reason settles the cause: where the wire's cause disagrees, the kernel wins and
/// the evidence says so. The receiver's state goes into the evidence beside it.
/// </summary>
public sealed class KernelReasonSink(KernelResetBook book, IDiagnosisSink next) : IDiagnosisSink
{
    private readonly KernelResetBook _book = book;
    private readonly IDiagnosisSink _next = next;

    public void Add(ResetDiagnosis diagnosis) => _next.Add(Annotate(diagnosis, _book));

    public void AddUndiagnosed(in ConnectionRecord connection, ResetParty clientParty) => _next.AddUndiagnosed(in connection, clientParty);

    public static ResetDiagnosis Annotate(ResetDiagnosis d, KernelResetBook book)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(book);
        if (d.ResetBy is not { } by || d.ResetTime == 0)
            return d;
        ConnectionSummary c = d.Connection;
        (EndpointSummary resetter, EndpointSummary peer) = by == ResetParty.Originator ? (c.Originator, c.Responder) : (c.Responder, c.Originator);
        KernelResetEvent? sent = book.Take(KernelResetDirection.Sent, resetter.Address, resetter.Port, peer.Address, peer.Port, d.ResetTime);
        KernelResetEvent? received = book.Take(KernelResetDirection.Received, peer.Address, peer.Port, resetter.Address, resetter.Port, d.ResetTime);
        if (sent?.Reason is not { } reason)
        {
            return received is null
                ? d
                : d.WithKernel(null, received, d.Cause, d.Verdict, d.Confidence, "kernel: " + ReceivedClause(received) + "; " + d.Evidence);
        }
        string said = "kernel: " + reason + (sent.State is { } state ? " in " + state : "") + " (tcp_send_reset)";
        string took = received is null ? "" : "; " + ReceivedClause(received);
        ResetCause cause = KernelVocabulary.CauseFor(reason, d.Cause, d.Stage) ?? d.Cause;
        if (cause == d.Cause)
        {
            string verdictWord = KernelVocabulary.Agrees(reason, d.Cause) ? "agrees" : "names no cause of ours";
            // First, so that a report showing only the evidence's first clause shows the kernel's word.
            return d.WithKernel(sent, received, d.Cause, d.Verdict, d.Confidence, said + " " + verdictWord + took + "; " + d.Evidence);
        }
        string evidence = said + " overrides the wire's " + d.Cause.ToKebabCase() + took + "; the wire showed: " + d.Evidence;
        return d.WithKernel(sent, received, cause, cause.UsualVerdict(), DiagnosisConfidence.High, evidence);
    }

    private static string ReceivedClause(KernelResetEvent received) => received.State is { } state
        ? "the socket that took it was in " + state + " (tcp_receive_reset)"
        : "a local socket took it (tcp_receive_reset)";
}
