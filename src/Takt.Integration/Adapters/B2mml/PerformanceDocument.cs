using System.Security.Cryptography;
using System.Xml.Linq;
using Takt.Contracts;
using Takt.Integration.Gateway;

namespace Takt.Integration.Adapters.B2mml;

/// <summary>
/// The envelope of a B2MML performance document: a bare <c>ProductionPerformance</c>/<c>OperationsPerformance</c>,
/// or one inside an OAGIS-style business object document (BOD) with the verb Sync, Process or Show, as the
/// published ERP↔MES messages send it. The other verbs (Get, Acknowledge, Change, Cancel, Respond) ask for
/// something else than "this happened" and are refused.
/// </summary>
internal sealed record PerformanceDocument(string Key, XElement? ApplicationArea, IReadOnlyList<XElement> Performances)
{
    private static readonly string[] Verbs = ["Sync", "Process", "Show"];

    public static (PerformanceDocument? Document, Problem? Problem) Read(XDocument xml, byte[] body, B2mmlDialect dialect)
    {
        var root = xml.Root!;
        if (root.Name.Namespace != dialect.Namespace)
        {
            return (null, Malformed("/" + root.Name.LocalName, "b2mml.namespace-unsupported",
                $"Expected the B2MML {dialect.Version} namespace '{dialect.Namespace.NamespaceName}'; the root element is in '{root.Name.NamespaceName}'."));
        }

        var name = root.Name.LocalName;
        if (name == dialect.Performance)
            return (new PerformanceDocument(ContentKey(body), null, [root]), null);
        if (Verbs.Any(v => name == v + dialect.Performance))
        {
            var applicationArea = root.Element(dialect.N("ApplicationArea"));
            var performances = root.Element(dialect.N("DataArea"))?.Elements(dialect.N(dialect.Performance)).ToList() ?? [];
            if (performances.Count == 0)
                return (null, Malformed("/" + name, "b2mml.performance-required", $"The DataArea holds no {dialect.Performance}."));
            return (new PerformanceDocument(BodKey(applicationArea, dialect) ?? ContentKey(body), applicationArea, performances), null);
        }

        return name.EndsWith(dialect.Performance, StringComparison.Ordinal)
            ? (null, Malformed("/" + name, "b2mml.verb-unsupported", $"{name} is not a report of what happened; send {dialect.Performance}, or Sync/Process/Show{dialect.Performance}."))
            : (null, Malformed("/" + name, "b2mml.document-unsupported", $"This endpoint takes B2MML {dialect.Version} {dialect.Performance}; the document is a {name}."));
    }

    /// <summary>
    /// A BOD's own identity (sender and BODID): the same business document sent twice, even re-serialized, is one
    /// document. Without a BODID the document is its bytes.
    /// </summary>
    private static string? BodKey(XElement? applicationArea, B2mmlDialect dialect)
    {
        var bodId = applicationArea?.Element(dialect.N("BODID"))?.Value.Trim();
        if (string.IsNullOrEmpty(bodId))
            return null;
        var sender = applicationArea!.Element(dialect.N("Sender"))?.Element(dialect.N("LogicalID"))?.Value.Trim();
        return string.IsNullOrEmpty(sender) ? $"bod:{bodId}" : $"bod:{sender}:{bodId}";
    }

    private static string ContentKey(byte[] body) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));

    private static Problem Malformed(string field, string rule, string detail) => Problem.Malformed([new Violation(field, rule, detail)]);
}
