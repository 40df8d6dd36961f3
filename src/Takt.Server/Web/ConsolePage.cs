using Microsoft.AspNetCore.Components;
using Takt.Store;

namespace Takt.Server.Web;

/// <summary>What every console page uses: the request, the signed-in person, the store and the clock.</summary>
public abstract class ConsolePage : ComponentBase
{
    [CascadingParameter]
    protected HttpContext HttpContext { get; set; } = default!;

    [Inject]
    protected TaktStore Store { get; set; } = default!;

    [Inject]
    protected TimeProvider Clock { get; set; } = default!;

    [Inject]
    protected NavigationManager Navigation { get; set; } = default!;

    protected ConsoleUser Me => ConsoleUsers.Of(HttpContext.User);

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>The posted form (static SSR has read it already when a submit handler runs).</summary>
    protected IFormCollection Form => HttpContext.Request.HasFormContentType ? HttpContext.Request.Form : FormCollection.Empty;

    protected static string Ago(TimeSpan span) => span.TotalMinutes < 1 ? "just now"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min ago"
        : span.TotalDays < 1 ? $"{(int)span.TotalHours} h ago"
        : $"{(int)span.TotalDays} d ago";

    protected static string At(DateTimeOffset instant) => instant.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
