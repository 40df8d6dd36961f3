using Takt.Store;

namespace Takt.Assist.Invoices;

/// <summary>
/// Resolved invoice exceptions with a known structure, for the cold-start model, tests and the benchmark. The rule:
/// each category shows in one signal — price deviation (price-variance), quantity deviation (quantity-variance), no
/// receipt (missing-receipt), same amount recently (duplicate-suspect), VAT rate delta (tax-mismatch), no purchase
/// order (missing-po; most of these have no receipt either, so the purchase order tells them from missing-receipt) —
/// with noise on the others and category hints in part of the descriptions; <see cref="LabelNoise"/> of the labels
/// are random. Roles follow the category (tax goes to the plant's tax accountant, an invoice without an order to the
/// cost center's owner), cost centers follow the description's item.
/// </summary>
public sealed class GeneratedInvoiceHistory(int seed = 15) : IResolvedExceptionSource
{
    public const double LabelNoise = 0.03;

    public static readonly IReadOnlyDictionary<string, string> RoleOf = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [InvoiceExceptionCategories.PriceVariance] = "buyer",
        [InvoiceExceptionCategories.QuantityVariance] = "receiving-clerk",
        [InvoiceExceptionCategories.MissingReceipt] = "receiving-clerk",
        [InvoiceExceptionCategories.DuplicateSuspect] = "ap-clerk",
        [InvoiceExceptionCategories.TaxMismatch] = "tax-accountant",
        [InvoiceExceptionCategories.MissingPo] = "cost-center-owner",
    };

    private static readonly (string Text, string CostCenter)[] Items =
    [
        ("aluminium casting AC-200", "CC-4100"), ("drive shaft 25 mm", "CC-4100"), ("seal kit HP-200", "CC-4200"), ("hydraulic oil ISO VG 46", "CC-4300"),
        ("bar stock 42CrMo4", "CC-4100"), ("machining service", "CC-4200"), ("pallet freight Augsburg", "CC-4300"), ("calibration of test bench", "CC-4400"),
        ("bearing set 6205", "CC-4100"), ("packaging cartons", "CC-4300"),
    ];

    private static readonly Dictionary<string, string[]> Hints = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [InvoiceExceptionCategories.PriceVariance] = ["price increase", "surcharge", "alloy surcharge", "new price list"],
        [InvoiceExceptionCategories.QuantityVariance] = ["partial delivery", "over delivery", "backorder"],
        [InvoiceExceptionCategories.MissingReceipt] = ["direct delivery", "drop shipment", "delivered to site"],
        [InvoiceExceptionCategories.DuplicateSuspect] = ["copy", "resent", "reminder"],
        [InvoiceExceptionCategories.TaxMismatch] = ["VAT", "reverse charge", "tax exempt"],
        [InvoiceExceptionCategories.MissingPo] = ["ordered by phone", "no order reference", "framework agreement"],
    };

    public string Name => "generated";

    public Task<IReadOnlyList<ResolvedInvoiceException>> ReadAsync(TaktStore store, int limit, CancellationToken ct) => Task.FromResult(Generate(limit));

    public IReadOnlyList<ResolvedInvoiceException> Generate(int count)
    {
        var random = new Random(seed);
        var list = new List<ResolvedInvoiceException>(count);
        string[] plants = ["PA01", "PB01"];
        double[] priors = [0.27, 0.22, 0.18, 0.13, 0.10, 0.10];
        for (var i = 0; i < count; i++)
        {
            var category = Pick(random, priors);
            var plant = plants[random.Next(plants.Length)];
            var (item, costCenter) = Items[random.Next(Items.Length)];
            var description = random.NextDouble() < 0.6 ? $"{item} {Hints[category][random.Next(Hints[category].Length)]}" : item;
            double Noise(double sd) => Gaussian(random) * sd;
            var price = category == InvoiceExceptionCategories.PriceVariance ? 0.04 + Math.Abs(Noise(0.10)) : Noise(0.01);
            var quantity = category == InvoiceExceptionCategories.QuantityVariance ? (random.NextDouble() < 0.7 ? 1 : -1) * (0.05 + Math.Abs(Noise(0.15))) : Noise(0.01);
            var noOrder = category == InvoiceExceptionCategories.MissingPo ? random.NextDouble() < 0.95 : random.NextDouble() < 0.01;
            var receiptMissing = category == InvoiceExceptionCategories.MissingReceipt ? random.NextDouble() < 0.95
                : category == InvoiceExceptionCategories.MissingPo ? random.NextDouble() < 0.6 : random.NextDouble() < 0.03;
            var sameAmount = category == InvoiceExceptionCategories.DuplicateSuspect ? 1 + random.Next(2) : (random.NextDouble() < 0.04 ? 1 : 0);
            var tax = category == InvoiceExceptionCategories.TaxMismatch ? 0.02 + Math.Abs(Noise(0.06)) : Math.Abs(Noise(0.002));
            var supplier = $"SUP-{100 + random.Next(12) * 10}";
            var rate = Math.Clamp(0.05 + (random.NextDouble() * 0.2), 0, 1);
            var value = Math.Round((decimal)(200 + (random.NextDouble() * 20_000)), 2);
            var label = random.NextDouble() < LabelNoise ? InvoiceExceptionCategories.All[random.Next(InvoiceExceptionCategories.All.Count)] : category;
            var @case = new InvoiceExceptionCase($"EXC-{i + 1:D6}", plant, supplier, description, price, quantity, receiptMissing, sameAmount, tax, rate, value, costCenter, noOrder);
            list.Add(new ResolvedInvoiceException(@case, label, new ExceptionRoute(RoleOf[label], plant, costCenter)));
        }

        return list;
    }

    private static string Pick(Random random, double[] priors)
    {
        var u = random.NextDouble();
        for (var k = 0; k < priors.Length; k++)
        {
            u -= priors[k];
            if (u <= 0)
                return InvoiceExceptionCategories.All[k];
        }

        return InvoiceExceptionCategories.All[^1];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
