using System.CommandLine;
using Takt.Cli;

// Piped or captured output has no terminal width: keep table rows on one line instead of wrapping at 80.
if (Console.IsOutputRedirected)
    Spectre.Console.AnsiConsole.Profile.Width = 400;

var root = new RootCommand("Takt: production and finance as one process state.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(KpiCommand.Create());
root.Subcommands.Add(OcelCommand.Create());
root.Subcommands.Add(MapCommand.Create());
root.Subcommands.Add(FlowsCommand.Create());
root.Subcommands.Add(DeadLettersCommand.Create());
root.Subcommands.Add(ClientsCommand.Create());
root.Subcommands.Add(WebhooksCommand.Create());
root.Subcommands.Add(OpsCommand.Create());
root.Subcommands.Add(FallbackCommand.Create());
root.Subcommands.Add(PlantsCommand.Create());
root.Subcommands.Add(ContractsCommand.Create());
root.Subcommands.Add(AssistCommand.Create());
foreach (var command in LedgerCommand.Create())
    root.Subcommands.Add(command);
root.Subcommands.Add(PayablesCommand.Invoices());
root.Subcommands.Add(PayablesCommand.Import());
root.Subcommands.Add(InventoryCommand.Stock());
root.Subcommands.Add(InventoryCommand.Reconcile());
root.Subcommands.First(c => c.Name == "import").Subcommands.Add(ImportCommand.MasterData());
return await root.Parse(args).InvokeAsync();
