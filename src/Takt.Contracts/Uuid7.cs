using System.Buffers.Binary;

namespace Takt.Contracts;

/// <summary>
/// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Same layout as
/// <see cref="Guid.CreateVersion7(DateTimeOffset)"/>, but the random bits come from <see cref="Random.Shared"/>
/// (xoshiro256**, per thread, seeded by the operating system) instead of a system call per id: a posting draws
/// four or five ids. These ids name records; they are not secrets, so unpredictability is not what they need.
/// </summary>
public static class Uuid7
{
    /// <summary>A new UUIDv7 for the given instant (its Unix millisecond leads, so ids sort by time).</summary>
    public static Guid New(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
#pragma warning disable CA5394 // identifiers, not secrets (see the summary)
        Random.Shared.NextBytes(bytes[6..]);
#pragma warning restore CA5394
        var milliseconds = time.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt16BigEndian(bytes, unchecked((ushort)(milliseconds >> 32)));
        BinaryPrimitives.WriteUInt32BigEndian(bytes[2..], unchecked((uint)milliseconds));
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70); // version 7
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // variant 10
        return new Guid(bytes, bigEndian: true);
    }
}
