namespace ControlTower.Server.Platform.Configuration;

/// <summary>How the platform runs, chosen by <c>ENVIRONMENT</c> (DESIGN.md §5).</summary>
internal enum RunMode
{
    /// <summary>SQLite file, auto-migrate, auto-seed, authentication bypassed as the built-in admin.</summary>
    Demo,

    /// <summary>Like demo but nothing bypassed unless asked for and nothing seeded beyond the built-in admin.</summary>
    Development,

    /// <summary>PostgreSQL, API keys required, nothing seeded, refuses unsafe settings.</summary>
    Production,
}
