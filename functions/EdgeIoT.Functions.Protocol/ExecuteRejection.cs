namespace EdgeIoT.Functions.Protocol;

/// <summary>Why an EXECUTE request was refused before any execution (byzantine or malformed spawner input).</summary>
public enum ExecuteRejection
{
    Malformed,
    UnknownZone,
    UnknownSpawner,
    BadSpawnerSignature,
    BadCertificate,
    BatchTooLarge,
}
