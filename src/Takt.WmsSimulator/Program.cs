using Takt.Wms;

// takt-wms-sim --takt http://localhost:5080 --api-key KEY [--urls http://127.0.0.1:5090] [--secret whsec_...]
//   [--plant PA01 --seed-stock] [--state wms.json] [--failure-rate 0.1] [--split-rate 0.2] [--duplicate-rate 0.1]
//   [--min-delay-ms 300] [--max-delay-ms 2000]
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
double Rate(string name, double fallback) => Arg(name) is { } v ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
if (Arg("--takt") is not { } takt || Arg("--api-key") is not { } key)
{
    Console.Error.WriteLine("usage: Takt.WmsSimulator --takt URL --api-key KEY [--urls URL] [--secret SECRET] [--plant PLANT --seed-stock] [--state FILE] [--failure-rate R] [--split-rate R] [--duplicate-rate R] [--min-delay-ms N] [--max-delay-ms N]");
    return 2;
}

var options = new WmsOptions
{
    Takt = new Uri(takt),
    ApiKey = key,
    WebhookSecret = Arg("--secret"),
    Urls = Arg("--urls") ?? "http://127.0.0.1:5090",
    StatePath = Arg("--state"),
    FailureRate = Rate("--failure-rate", 0.1),
    SplitRate = Rate("--split-rate", 0.2),
    DuplicateRate = Rate("--duplicate-rate", 0.1),
    MinDelay = TimeSpan.FromMilliseconds(Rate("--min-delay-ms", 300)),
    MaxDelay = TimeSpan.FromMilliseconds(Rate("--max-delay-ms", 2000)),
};
await using var simulator = new WmsSimulator(options);
if (args.Contains("--seed-stock") && Arg("--plant") is { } plant)
    await simulator.SeedFromTaktAsync(plant, CancellationToken.None);
await simulator.StartAsync(CancellationToken.None);
Console.WriteLine($"WMS simulator listening on {simulator.Address} (webhook: {simulator.Address}webhook); Ctrl+C stops it.");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
return 0;
