namespace EdgeIoT.Provisioning;

/// <summary>Prepares the folder a network is provisioned into.</summary>
internal static class NetworkFolder
{
    /// <summary>
    /// Leaves <paramref name="dir"/> existing and empty. A non-empty folder is wiped only with
    /// <paramref name="force"/> and only when it holds a network.json, so a mistyped --dir can never
    /// erase a folder EdgeIoT did not create.
    /// </summary>
    public static void PrepareEmpty(string dir, bool force)
    {
        var root = Path.GetFullPath(dir);
        if (!Directory.Exists(root))
        {
            if (File.Exists(root)) throw new ProvisioningException($"{root} is a file, not a folder");
            Directory.CreateDirectory(root);
            return;
        }
        if (!Directory.EnumerateFileSystemEntries(root).Any()) return;
        if (!force)
            throw new ProvisioningException($"{root} is not empty; pass --force to wipe it and provision a new network there");
        if (!File.Exists(Path.Combine(root, "network.json")))
            throw new ProvisioningException($"refusing to wipe {root}: it is not empty and holds no network.json, so it is not a network EdgeIoT provisioned; choose another --dir");

        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            // A symbolic link is removed itself; its target is not ours to delete.
            if (new DirectoryInfo(directory).LinkTarget is not null) File.Delete(directory);
            else Directory.Delete(directory, recursive: true);
        }
        foreach (var file in Directory.EnumerateFiles(root)) File.Delete(file);
    }
}
