using System.Text.Json;
using Takt.Contracts;
using Takt.Orchestration.Standards;

namespace Takt.Orchestration.Approvals;

/// <summary>
/// A delegation-of-authority matrix, versioned data: each rule gives a role an approval level when the value (in
/// the company currency) exceeds its threshold for the plants, categories, urgencies and supplier risks it names
/// (none named: any). Levels run one after the other (sequential) or all at once (parallel); the roles of one
/// level approve side by side.
/// </summary>
public sealed record DoaMatrix(string Matrix, int Version, string Currency, IReadOnlyList<DoaRule> Rules, string Mode = "sequential")
{
    public IReadOnlyList<Violation> Check()
    {
        var errors = new List<Violation>();
        if (Currency.Length != 3 || !Currency.All(char.IsAsciiLetterUpper))
            errors.Add(new Violation("/currency", "doa.currency-invalid", "The company currency is an ISO 4217 code such as EUR."));
        if (Mode is not ("sequential" or "parallel"))
            errors.Add(new Violation("/mode", "doa.mode-invalid", "mode is sequential or parallel."));
        if (Rules.Count == 0)
            errors.Add(new Violation("/rules", "doa.rules-required", "A matrix has at least one rule."));
        for (var i = 0; i < Rules.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(Rules[i].Role))
                errors.Add(new Violation($"/rules/{i}/role", "doa.role-required", "Each rule names the approving role."));
            if (Rules[i].Level < 1)
                errors.Add(new Violation($"/rules/{i}/level", "doa.level-positive", "Levels start at 1."));
            if (Rules[i].Above < 0)
                errors.Add(new Violation($"/rules/{i}/above", "doa.threshold-negative", "A threshold is 0 or more."));
        }

        return errors;
    }

    /// <summary>Who approves, level by level, and why; empty levels when no rule applies (no approval needed).</summary>
    public Outcome<DoaRouting> Route(DoaRequest request)
    {
        if (request.Value.Currency.Code != Currency)
            return new Violation("/variables/value/currency", "doa.currency-mismatch", $"Matrix {Matrix} v{Version} routes values in {Currency}; convert {request.Value.Currency.Code} {FlowStandardReader.Amount(request.Value.Amount)} to the company currency first.");
        var picked = new List<(int Level, string Role, string Why)>();
        foreach (var rule in Rules)
        {
            if (!Applies(rule.Plants, request.Plant) || !Applies(rule.Categories, request.Category)
                || !Applies(rule.Urgencies, request.Urgency) || !Applies(rule.SupplierRisks, request.SupplierRisk)
                || request.Value.Amount <= rule.Above || picked.Any(p => p.Level == rule.Level && p.Role == rule.Role))
                continue;
            var why = $"{request.Plant} {rule.Role}: value {FlowStandardReader.Amount(request.Value.Amount)} {Currency} > {FlowStandardReader.Amount(rule.Above)}"
                + (rule.Categories is { Count: > 0 } ? $" for {request.Category}" : "")
                + (rule.Urgencies is { Count: > 0 } ? $", urgency {request.Urgency}" : "")
                + (rule.SupplierRisks is { Count: > 0 } ? $", supplier risk {request.SupplierRisk}" : "")
                + $" (matrix {Matrix} v{Version})";
            picked.Add((rule.Level, rule.Role, why));
        }

        var levels = picked.GroupBy(p => p.Level).OrderBy(g => g.Key)
            .Select(g => new DoaLevel(g.Key, [.. g.Select(p => new DoaApprover(p.Role, p.Why))]))
            .ToList();
        var summary = levels.Count == 0
            ? [$"No approval needed: value {FlowStandardReader.Amount(request.Value.Amount)} {Currency} is within every threshold that applies to {request.Plant}/{request.Category} (matrix {Matrix} v{Version})."]
            : levels.SelectMany(l => l.Approvers.Select(a => a.Explanation)).ToList();
        return new DoaRouting(Matrix, Version, Mode, levels, summary);
    }

    /// <summary>
    /// Where an approval at <paramref name="level"/> escalates when its SLA lapses: the matrix's higher levels whose
    /// rules apply to the request's plant, category, urgency and supplier risk (whatever the value), lowest first,
    /// one role per level (its first rule's), each with the reason.
    /// </summary>
    public IReadOnlyList<DoaApprover> EscalationChain(DoaRequest request, int level) =>
        [.. Rules.Where(r => r.Level > level && Applies(r.Plants, request.Plant) && Applies(r.Categories, request.Category)
                && Applies(r.Urgencies, request.Urgency) && Applies(r.SupplierRisks, request.SupplierRisk))
            .GroupBy(r => r.Level).OrderBy(g => g.Key)
            .Select(g => new DoaApprover(g.First().Role, $"level {g.Key} of matrix {Matrix} v{Version} for {request.Plant}" + (request.Category is null ? "" : $"/{request.Category}")))];

    private static bool Applies(IReadOnlyList<string>? allowed, string? value) =>
        allowed is not { Count: > 0 } || (value is not null && (allowed.Contains(value) || allowed.Contains("*")));

    public static Outcome<DoaMatrix> Read(string document)
    {
        var parsed = YamlDocument.Parse(document);
        if (parsed.IsRejected)
            return Outcome<DoaMatrix>.FromViolations(parsed.Violations);
        DoaMatrix? matrix;
        try
        {
            matrix = parsed.Value.Deserialize<DoaMatrix>(FlowDefinition.Json);
        }
        catch (JsonException ex)
        {
            return new Violation(ex.Path is { } p ? "/" + p.TrimStart('$', '.').Replace('.', '/') : "", "doa.shape", ex.Message);
        }

        if (matrix is null)
            return new Violation("", "doa.shape", "A matrix has matrix, version, currency and rules.");
        var errors = matrix.Check();
        return errors.Count > 0 ? Outcome<DoaMatrix>.FromViolations(errors) : matrix;
    }
}

/// <param name="Role">The approving role.</param>
/// <param name="Level">1, 2, …: the order of approval.</param>
/// <param name="Above">The value (company currency) above which the rule applies.</param>
public sealed record DoaRule(
    string Role,
    int Level,
    decimal Above,
    IReadOnlyList<string>? Plants = null,
    IReadOnlyList<string>? Categories = null,
    IReadOnlyList<string>? Urgencies = null,
    IReadOnlyList<string>? SupplierRisks = null);

public sealed record DoaRequest(Money Value, string Plant, string? Category, string? Urgency, string? SupplierRisk);

public sealed record DoaApprover(string Role, string Explanation);

public sealed record DoaLevel(int Level, IReadOnlyList<DoaApprover> Approvers);

/// <summary>The routing decision: levels of approvers, each with the explanation of the rule that put it there.</summary>
public sealed record DoaRouting(string Matrix, int Version, string Mode, IReadOnlyList<DoaLevel> Levels, IReadOnlyList<string> Explanations);
