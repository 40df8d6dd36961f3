using System.CommandLine;
using Spectre.Console;
using Takt.Server;

namespace Takt.Cli;

internal static class ContractsCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Where the contracts live.", DefaultValueFactory = _ => "contracts" };
        var write = new Command("write", "Write the generated contracts (event JSON Schemas, OpenAPI) to the contracts folder.") { dir };
        write.SetAction(async (parse, ct) =>
        {
            var root = parse.GetValue(dir)!;
            foreach (var file in await ContractFiles.GenerateAsync(ct))
            {
                var path = Path.Combine(root, file.Key);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, file.Value, ct);
                AnsiConsole.MarkupLineInterpolated($"wrote [blue]{path}[/]");
            }

            return 0;
        });
        return new Command("contracts", "Generated API and event contracts.") { write };
    }
}
