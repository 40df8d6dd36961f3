using System.Xml.Linq;
using Xunit;

namespace Takt.Adapters.Tests;

/// <summary>The schema check itself, and the fixtures against it (the adapter tests rely on both).</summary>
public sealed class B2mmlSchemaTests
{
    [Fact]
    public void the_published_courbon_production_order_is_valid_v0401()
    {
        Assert.Empty(B2mmlSchemas.Errors(Fixture.Bytes("PRO-20121210181416-27942.xml"), B2mmlSchemas.V0401));
    }

    [Fact]
    public void the_published_courbon_performance_message_breaks_the_v0401_schema_only_by_lacking_release_id()
    {
        // SOURCES.md: PES does not validate, the required releaseID attribute is missing. The check must see that.
        var errors = B2mmlSchemas.Errors(Fixture.Bytes("PES-20121229115825-53107.xml"), B2mmlSchemas.V0401);
        Assert.Contains("releaseID", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void the_v0401_performance_written_for_takt_is_valid()
    {
        Assert.Empty(B2mmlSchemas.Errors(Fixture.Bytes("takt-v0401-production-performance.xml"), B2mmlSchemas.V0401));
    }

    [Fact]
    public void the_v0701_performance_written_for_takt_is_valid()
    {
        Assert.Empty(B2mmlSchemas.Errors(Fixture.Bytes("takt-v0701-operations-performance.xml"), B2mmlSchemas.V0701));
    }

    [Fact]
    public void a_v0401_document_is_not_valid_v0701()
    {
        Assert.NotEmpty(B2mmlSchemas.Errors(XDocument.Parse(Fixture.Text("takt-v0401-production-performance.xml")), B2mmlSchemas.V0701));
    }
}
