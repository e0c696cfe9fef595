using System.Runtime.CompilerServices;

namespace ControlTower.Tests.Shared;

/// <summary>
/// Gives the test process (and every process it starts, which inherit <c>TMPDIR</c>) one temporary folder of its
/// own and deletes it when the process exits, so the SQLite files, credential keys and browser profiles that tests
/// create under the temporary folder never outlive the run.
/// </summary>
internal static class RunTempFolder
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The folder must be in place before any test, fixture or static field asks for a temporary path.")]
    internal static void Install()
    {
        var folder = Directory.CreateTempSubdirectory($"controltower-tests-{Environment.ProcessId}-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Delete(folder);
    }

    private static void Delete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException failure)
        {
            Console.Error.WriteLine($"could not delete the test run's temporary folder {folder}: {failure.Message}");
        }
        catch (UnauthorizedAccessException failure)
        {
            Console.Error.WriteLine($"could not delete the test run's temporary folder {folder}: {failure.Message}");
        }
    }
}
