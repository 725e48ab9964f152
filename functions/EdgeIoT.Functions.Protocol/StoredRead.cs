namespace EdgeIoT.Functions.Protocol;

/// <summary>A key as the verifier's read endpoint reported it: present or not, its value and version.</summary>
public readonly record struct StoredRead(bool Found, string? Value, ulong Version)
{
    public static readonly StoredRead Absent = new(false, null, 0);
}
