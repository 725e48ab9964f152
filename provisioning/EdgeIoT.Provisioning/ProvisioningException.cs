namespace EdgeIoT.Provisioning;

/// <summary>A network cannot be provisioned as asked; the message says why and what to change.</summary>
public sealed class ProvisioningException(string message) : Exception(message);
