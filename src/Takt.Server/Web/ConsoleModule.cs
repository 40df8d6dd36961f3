using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Takt.Server.Web.Pages;
using Takt.Store;

namespace Takt.Server.Web;

/// <summary>
/// The web console: Razor components rendered on the server (static SSR: plain HTML and form posts, no WebAssembly,
/// no npm build), people signed in with a cookie, antiforgery on every form. Pages live under <c>/console</c>.
/// </summary>
public static class ConsoleModule
{
    public const string Scheme = "TaktConsole";

    public const string Prefix = "/console";

    /// <summary>The console's table (console_user); its scripts are embedded in this assembly.</summary>
    public static SchemaModule Schema { get; } = new("console", typeof(ConsoleModule).Assembly);

    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddSingleton<OutageRunner>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "takt.console.af";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        // The API keeps its own default scheme (API key or token); console pages name this one in their [Authorize].
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "takt.console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; // takt run serves plain HTTP on localhost by default
            o.LoginPath = Prefix + "/signin";
            o.LogoutPath = Prefix + "/signout";
            o.AccessDeniedPath = Prefix + "/forbidden";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
        });
        return services;
    }

    public static void MapConsole(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapRazorComponents<App>();
        app.MapPost(Prefix + "/signout", async (HttpContext http) =>
            {
                await http.SignOutAsync(Scheme);
                return Results.Redirect(Prefix + "/signin");
            })
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .ExcludeFromDescription();
        app.MapGet(Prefix + "/console.js", () => Results.Text(ConsoleScript.Text, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        LiveEndpoints.Map(app);
    }
}
