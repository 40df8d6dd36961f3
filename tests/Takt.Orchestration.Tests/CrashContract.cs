using System.Diagnostics;
using System.Runtime.CompilerServices;
using Takt.Resilience.Tests;
using Takt.Testing;
using Xunit;

namespace Takt.Orchestration.Tests;

/// <summary>
/// Durable execution (issue 5): a real server runs 600 instances of a five-step flow (action, timer, action, timer,
/// action) and is killed with SIGKILL three times while instances wait at both timers (and mid-turn); after the restarts
/// every instance completes and each step's effects (step log, outbox signal, process-log event) exist exactly once.
/// </summary>
public abstract class CrashContract(string engine)
{
    private const string Flow = "crash-flow";
    private const int Instances = 600;

    private const string Standard = """
        flow: crash-flow
        version: 1
        title: Crash test
        owner: ops
        inputs:
          n: number
        steps:
          - { id: a, type: action, action: signal, with: { name: a }, next: t1 }
          - { id: t1, type: timer, after: PT1S, business: false, next: b }
          - { id: b, type: action, action: signal, with: { name: b }, next: t2 }
          - { id: t2, type: timer, after: PT1S, business: false, next: c }
          - { id: c, type: action, action: signal, with: { name: c } }
        """;

    [Fact]
    public async Task a_server_killed_at_step_boundaries_resumes_without_repeating_a_completed_steps_effect()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync(engine);
        var store = database.Store;
        var work = Directory.CreateTempSubdirectory("takt-flow-crash-");
        var server = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
        try
        {
            var key = await server.BootstrapKeyAsync(ct);
            using (var http = ProcessFlows.Client(server, key))
                await ProcessFlows.PublishAsync(http, Standard, Flow, ct);

            // Instances keep being started through the kills (a start cut off by a kill is sent again once the server
            // is back), so every kill falls while instances are spread over the steps.
            var target = new StrongBox<TaktProcess>(server);
            var started = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var load = Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref started) <= Instances)
                {
                    while (true)
                    {
                        try
                        {
                            using var http = ProcessFlows.Client(target.Value!, key);
                            await ProcessFlows.StartAsync([http], Flow, 1, 1, stop.Token);
                            break;
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or Xunit.Sdk.XunitException && !stop.IsCancellationRequested)
                        {
                            await Task.Delay(200, stop.Token);
                        }
                    }
                }
            }, stop.Token)));

            var observed = new List<string>();
            var pendingSteps = new HashSet<string>(StringComparer.Ordinal);
            foreach (var at in new[] { 150, 300, 450 })
            {
                while (Volatile.Read(ref started) < at)
                    await Task.Delay(20, ct);
                // A worker's turn runs a system step straight on to the next wait, so instances rest at the start and at
                // the two timers: the kill falls once both timers hold instances (or after 20 s, and the premise below fails).
                var waiting = Stopwatch.StartNew();
                while (waiting.Elapsed < TimeSpan.FromSeconds(20))
                {
                    var resting = (await ProcessFlows.RowsAsync(store, $"SELECT w.step, w.kind, COUNT(*) FROM orch_work w JOIN orch_instance i ON i.id = w.instance_id WHERE i.flow = '{Flow}' GROUP BY w.step, w.kind")).Select(p => p.A).ToHashSet(StringComparer.Ordinal);
                    if (resting.Contains("t1") && resting.Contains("t2"))
                        break;
                    await Task.Delay(50, ct);
                }

                await server.KillAsync();
                var pending = await ProcessFlows.RowsAsync(store, $"SELECT w.step, w.kind, COUNT(*) FROM orch_work w JOIN orch_instance i ON i.id = w.instance_id WHERE i.flow = '{Flow}' GROUP BY w.step, w.kind");
                var done = await ProcessFlows.ScalarAsync(store, "SELECT COUNT(*) FROM orch_instance WHERE flow = @flow AND status = 'completed'", new { flow = Flow });
                observed.Add($"kill at {at} started: {done} completed, pending {string.Join(", ", pending.Select(p => $"{p.A}/{p.B}={p.N}"))}");
                foreach (var p in pending)
                    pendingSteps.Add(p.A);
                await server.DisposeAsync();
                server = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
                target.Value = server;
            }

            await load;
            var ids = (await ProcessFlows.IdsAsync(store, Flow)).ToList();
            Assert.True(ids.Count >= Instances, $"{ids.Count} instances for {Instances} answered starts");
            await ProcessFlows.WaitCompletedAsync(store, Flow, ids.Count, TimeSpan.FromMinutes(3), ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"[{engine}] {ids.Count} instances; " + string.Join("; ", observed));
            // The premise: the kills fell while instances waited at the step boundaries, not before or after the run.
            Assert.True(pendingSteps.IsSupersetOf(["t1", "t2"]), "The kills did not catch instances between steps: " + string.Join("; ", observed));
            await ProcessFlows.AssertEachStepRanOnceAsync(store, Flow, ids, stepsPerInstance: 5, signalsPerInstance: 3);
        }
        finally
        {
            await server.DisposeAsync();
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // The temp folder is cleaned by the OS.
            }
        }
    }
}

public sealed class CrashOnSqlite() : CrashContract("sqlite");

public sealed class CrashOnPostgres() : CrashContract("postgres");

/// <summary>
/// Two server processes on one PostgreSQL share the flow work (SKIP LOCKED): 1,000 instances of a three-step flow
/// (action, decision, action) started through both, none lost, none stepped twice, both nodes working.
/// </summary>
public sealed class TwoNodesOnPostgres
{
    private const string Flow = "two-node-flow";

    private const string Standard = """
        flow: two-node-flow
        version: 1
        title: Two nodes
        owner: ops
        inputs:
          n: number
        steps:
          - { id: first, type: action, action: signal, with: { name: first }, next: route }
          - id: route
            type: decision
            cases:
              - { when: n >= 500, next: high }
            otherwise: low
          - { id: high, type: action, action: signal, with: { name: last } }
          - { id: low, type: action, action: signal, with: { name: last } }
        """;

    [Fact]
    public async Task two_servers_on_one_database_process_a_thousand_instances_without_losing_or_repeating_a_step()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var database = await TaktDatabase.CreateAsync("postgres");
        var store = database.Store;
        var work = Directory.CreateTempSubdirectory("takt-flow-nodes-");
        await using var first = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
        var key = await first.BootstrapKeyAsync(ct);
        await using var second = await TaktProcess.StartServerAsync(database.Connection, work.FullName, ct);
        using var a = ProcessFlows.Client(first, key);
        using var b = ProcessFlows.Client(second, key);
        await ProcessFlows.PublishAsync(a, Standard, Flow, ct);
        var ids = await ProcessFlows.StartAsync([a, b], Flow, 1000, 8, ct);
        await ProcessFlows.WaitCompletedAsync(store, Flow, 1000, TimeSpan.FromMinutes(3), ct);

        await ProcessFlows.AssertEachStepRanOnceAsync(store, Flow, ids, stepsPerInstance: 3, signalsPerInstance: 2);
        var nodes = await ProcessFlows.RowsAsync(store, $"SELECT l.node, '', COUNT(*) FROM orch_step_log l JOIN orch_instance i ON i.id = l.instance_id WHERE i.flow = '{Flow}' AND l.event IN ('completed', 'decided') AND l.step <> '' GROUP BY l.node");
        TestContext.Current.TestOutputHelper?.WriteLine("steps per node: " + string.Join(", ", nodes.Select(n => $"{n.A}={n.N}")));
        Assert.Equal(2, nodes.Count);
        Assert.All(nodes, n => Assert.True(n.N > 0));
    }
}
