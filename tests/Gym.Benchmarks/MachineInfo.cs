using System.Runtime;
using System.Runtime.InteropServices;

namespace Gym.Benchmarks;

/// <summary>What the numbers were measured on.</summary>
internal static class MachineInfo
{
    public static ResultTable Describe(BenchOptions options)
    {
        var table = new ResultTable("Machine and settings", "what", "value");
        table.Add("CPU", CpuModel());
        table.Add("logical cores (Environment.ProcessorCount)", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.Add("memory available to the GC", $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB");
        table.Add("runtime", RuntimeInformation.FrameworkDescription);
        table.Add("OS", RuntimeInformation.OSDescription);
        table.Add("GC", $"{(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}");
#if DEBUG
        table.Add("build", "DEBUG (numbers are not representative: use -c Release)");
#else
        table.Add("build", "Release");
#endif
        table.Add("repetitions (throughput, latency, diagnostics / memory)", $"{options.Repetitions} / {options.MemoryRepetitions}");
        table.Add("process priority (nice)", Nice());
        table.Add("seed / expert error rate", $"{options.Seed} / {options.ErrorRate}");
        return table;
    }

    private static string Nice()
    {
        try
        {
            // Field 19 of /proc/self/stat; the command name (field 2) may hold spaces, so count from its closing parenthesis.
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[16];
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
