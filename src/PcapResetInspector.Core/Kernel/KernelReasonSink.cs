using PcapResetInspector.Core.Connections;
using PcapResetInspector.Core.Diagnosis;

namespace PcapResetInspector.Core.Kernel;

/// <summary>
/// Joins each diagnosis whose first RST the local host sent to the kernel's tcp_send_reset event for it (same
/// 4-tuple, the event's source being the resetter, nearest in time), and lets the kernel's reason settle the
/// cause: where the wire's cause disagrees, the kernel wins and the evidence says so.
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
        KernelResetEvent? e = book.Find(KernelResetDirection.Sent, resetter.Address, resetter.Port, peer.Address, peer.Port, d.ResetTime);
        if (e?.Reason is not { } reason)
            return d;
        string said = "kernel: " + reason + (e.State is { } state ? " in " + state : "") + " (tcp_send_reset)";
        ResetCause cause = KernelVocabulary.CauseFor(reason, d.Cause, d.Stage) ?? d.Cause;
        if (cause == d.Cause)
        {
            string verdictWord = KernelVocabulary.Agrees(reason, d.Cause) ? "agrees" : "names no cause of ours";
            // First, so that a report showing only the evidence's first clause shows the kernel's word.
            return d.WithKernel(e, d.Cause, d.Verdict, d.Confidence, said + " " + verdictWord + "; " + d.Evidence);
        }
        string evidence = said + " overrides the wire's " + d.Cause.ToKebabCase() + "; the wire showed: " + d.Evidence;
        return d.WithKernel(e, cause, cause.UsualVerdict(), DiagnosisConfidence.High, evidence);
    }
}
