using System.CommandLine;
using Takt.Cli;

var root = new RootCommand("Takt: production and finance as one process state.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(KpiCommand.Create());
root.Subcommands.Add(DeadLettersCommand.Create());
root.Subcommands.Add(ClientsCommand.Create());
root.Subcommands.Add(ContractsCommand.Create());
return await root.Parse(args).InvokeAsync();
