using System.Text.Json;
using System.Text.Json.Nodes;
using ControlTower.Core.Errors;
using ControlTower.Core.Trust;
using ControlTower.Core.Trust.Learning;
using ControlTower.Server.Audit;
using ControlTower.Server.Blobs;
using ControlTower.Server.Platform.Persistence;
using ControlTower.Server.Trust.Learning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ControlTower.Server.Trust;

internal sealed record TrustModelView(Guid Id, string Kind, string Scope, string Version, DateTimeOffset TrainedAt, int Seed, string FeatureConfigHash,
    JsonNode? Manifest, int EventsAtTraining, bool Active, bool InUse, string TrainedBy, TrustModelArtifactView Artifact, TrustModelLoadError? LoadError);

/// <summary>Where a model's bytes are: a blob (hash, size, media type), or inline in its row (<see cref="Inline"/>, models trained before the blob store held them).</summary>
internal sealed record TrustModelArtifactView(bool Inline, string? Sha256, long? Size, string? MediaType);

internal sealed record RetrainCheckView(bool Retrain, IReadOnlyList<string> Reasons, DateTimeOffset? LastTrainedAt, DateTimeOffset? NextAgeTrigger,
    int EventsUntilCountTrigger, int TotalEvents, IReadOnlyList<FeatureDriftValue> Drift, int DriftSample);

internal sealed record TrustModelsView(IReadOnlyList<TrustModelView> Models, RetrainCheckView Check);

internal sealed record RetrainResult(bool Trained, IReadOnlyList<TrustModelView> Models, IReadOnlyList<string> Skipped, RetrainCheckView Check);

/// <summary>
/// Stores trained trust models (every version: the manifest in its row, the bytes in the blob store), keeps the process's predictor on the active ones,
/// and retrains from the trust events: one trainer at a time across processes (the <c>trust-trainer</c> lease), training on
/// the thread pool, the new models swapped into the predictor atomically, so a governed action never waits on it.
/// </summary>
internal sealed class TrustModelService(
    IDbContextFactory<ControlTowerDbContext> contexts,
    TrustModelTrainer trainer,
    TrustPredictor predictor,
    TrustModelArtifacts artifacts,
    IOptions<TrustLearningOptions> options,
    AuditLog audit,
    TimeProvider time)
{
    public const string LeaseName = "trust-trainer";
    private const int MaxTrainingEvents = 200_000;
    private const int DriftSample = 500;
    private static readonly TimeSpan LeaseLength = TimeSpan.FromMinutes(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Who this process is when it holds the lease.</summary>
    public string Holder { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// Loads the active models into the predictor when they differ from the ones in use (another process may have trained):
    /// a version already in memory is kept, another is read from the blob store and verified. A kind whose model cannot be
    /// loaded predicts with its cold-start prior (the error is logged and listed); the next load tries it again.
    /// </summary>
    public async Task LoadActiveAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var active = await db.Set<TrustModelEntity>().AsNoTracking().Where(m => m.Active).Select(m => m.Version).ToListAsync(cancellationToken);
        var inUse = predictor.Models.All.ToDictionary(m => m.Version, StringComparer.Ordinal);
        if (active.Count == inUse.Count && active.All(inUse.ContainsKey))
        {
            return;
        }

        var models = new List<TrustModel>();
        foreach (var version in active)
        {
            if (inUse.TryGetValue(version, out var loaded) || (loaded = await LoadAsync(db, version, cancellationToken)) is not null)
            {
                models.Add(loaded);
            }
        }

        predictor.Use(TrustModelSet.Of(models));
    }

    private async Task<TrustModel?> LoadAsync(ControlTowerDbContext db, string version, CancellationToken cancellationToken)
    {
        var stored = await db.Set<TrustModelEntity>().AsNoTracking().Where(m => m.Version == version)
            .Select(m => new StoredModelArtifact(m.Version, m.ArtifactSha256, m.ArtifactSha256 == null ? m.Artifact : null))
            .SingleOrDefaultAsync(cancellationToken);

        // A row deleted since the active versions were read (a demo reset) has nothing to load.
        return stored is null ? null : await artifacts.TryLoadAsync(stored, cancellationToken);
    }

    public async Task<TrustModelsView> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<TrustModelEntity>().AsNoTracking().OrderByDescending(m => m.TrainedAt).Take(100)
            .Select(m => new
            {
                m.Id,
                m.Kind,
                m.Scope,
                m.Version,
                m.TrainedAt,
                m.Seed,
                m.FeatureConfigHash,
                m.Manifest,
                m.EventsAtTraining,
                m.Active,
                m.TrainedBy,
                Inline = m.ArtifactSha256 == null,
                m.ArtifactSha256,
                m.ArtifactSize,
                m.ArtifactMediaType,
            })
            .ToListAsync(cancellationToken);
        var inUse = predictor.Models.All.Select(m => m.Version).ToHashSet(StringComparer.Ordinal);
        var models = rows.Select(m => new TrustModelView(m.Id, m.Kind, m.Scope, m.Version, TrustService.Utc(m.TrainedAt), m.Seed, m.FeatureConfigHash,
            JsonNode.Parse(m.Manifest), m.EventsAtTraining, m.Active, inUse.Contains(m.Version), m.TrainedBy,
            new TrustModelArtifactView(m.Inline, m.ArtifactSha256, m.ArtifactSize, m.ArtifactMediaType), artifacts.ErrorOf(m.Version))).ToList();
        return new TrustModelsView(models, await CheckAsync(cancellationToken));
    }

    /// <summary>The retrain triggers (new events, age, drift of recent proposals against the active models' training data).</summary>
    public async Task<RetrainCheckView> CheckAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var last = await db.Set<TrustModelEntity>().AsNoTracking().Where(m => m.Active).OrderByDescending(m => m.TrainedAt)
            .Select(m => new { m.TrainedAt, m.EventsAtTraining }).FirstOrDefaultAsync(cancellationToken);
        var total = await db.Set<TrustEventEntity>().CountAsync(cancellationToken);
        IReadOnlyList<FeatureDriftValue> drift = [];
        var sample = 0;
        if (predictor.Models.All.FirstOrDefault() is { } model)
        {
            var recent = await db.Set<TrustEventEntity>().AsNoTracking().Where(e => e.Kind == TrustEventKinds.Proposal && e.Features != null)
                .OrderByDescending(e => e.At).Take(DriftSample).ToListAsync(cancellationToken);
            var proposals = recent.Select(ProposalOf).OfType<TrustProposal>().ToList();
            (drift, sample) = (model.Drift.Measure(model.Features, proposals), proposals.Count);
        }

        var state = new RetrainState(last is null ? null : TrustService.Utc(last.TrainedAt), last?.EventsAtTraining ?? 0, total, drift, sample);
        var decision = RetrainTrigger.Evaluate(state, options.Value.Retrain, time.GetUtcNow());
        return new RetrainCheckView(decision.Retrain, decision.Reasons, state.LastTrainedAt, decision.NextAgeTrigger, decision.EventsUntilCountTrigger, total, drift, sample);
    }

    /// <summary>
    /// Trains new models from the trust events under the lease and makes them active; <c>trust.training_in_progress</c>
    /// when another trainer holds the lease. A kind without enough data keeps its current model (or its prior).
    /// </summary>
    public async Task<RetrainResult> RetrainAsync(string actor, CancellationToken cancellationToken)
    {
        if (!await TryLeaseAsync(cancellationToken))
        {
            throw new ControlTowerException(ErrorKind.Conflict, TrustErrorCodes.TrainingInProgress, "Another process is training the trust models; try again when it has finished.");
        }

        try
        {
            var (examples, total) = await ExamplesAsync(cancellationToken);
            var request = new TrustTrainingRequest(options.Value.Seed, time.GetUtcNow(), $"trust events with a proposal snapshot, newest {MaxTrainingEvents}");
            var result = await Task.Run(() => trainer.Train(examples, request), cancellationToken);
            var stored = await StoreAsync(result, total, actor, cancellationToken);
            await LoadActiveAsync(cancellationToken);
            return new RetrainResult(stored.Count > 0, stored, result.Skipped, await CheckAsync(cancellationToken));
        }
        finally
        {
            await ReleaseLeaseAsync();
        }
    }

    private async Task<List<TrustModelView>> StoreAsync(TrustTrainingResult result, int totalEvents, string actor, CancellationToken cancellationToken)
    {
        var views = new List<TrustModelView>();
        if (!result.Models.All.Any())
        {
            return views;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var events = new List<AuditEvent>();
        var blobs = new List<(BlobKey Key, byte[] Bytes)>();
        foreach (var model in result.Models.All)
        {
            var manifest = model.Manifest;
            await db.Set<TrustModelEntity>().Where(m => m.Kind == manifest.Kind && m.Active).ExecuteUpdateAsync(s => s.SetProperty(m => m.Active, false), cancellationToken);
            var row = await db.Set<TrustModelEntity>().SingleOrDefaultAsync(m => m.Version == manifest.Version, cancellationToken);
            if (row is null)
            {
                // Same events and seed give the same model and version: then the stored one is made active again.
                row = new TrustModelEntity
                {
                    Id = Guid.NewGuid(),
                    Kind = manifest.Kind,
                    Scope = manifest.Scope,
                    Version = manifest.Version,
                    TrainedAt = manifest.TrainedAt.UtcDateTime,
                    Seed = manifest.Seed,
                    FeatureConfigHash = manifest.FeatureConfigHash,
                    Manifest = JsonSerializer.Serialize(manifest, Json),
                    EventsAtTraining = totalEvents,
                    TrainedBy = actor,
                };
                var bytes = model.ToBytes();
                blobs.Add((await artifacts.AttachAsync(db, row, bytes, cancellationToken), bytes));
                db.Add(row);
            }
            else if (row.ArtifactSha256 is { } sha && BlobKey.TryParse(sha, out var key))
            {
                // The same model again: its bytes are written again too, which restores a blob the store lost.
                blobs.Add((key, model.ToBytes()));
            }

            row.Active = true;
            events.Add(new AuditEvent(actor, "trust.model_trained", $"trust_model:{manifest.Version}",
                $"{manifest.Kind} model trained on {manifest.Dataset.Rows} rows",
                new JsonObject { ["kind"] = manifest.Kind, ["version"] = manifest.Version, ["auc"] = manifest.Metrics.Auc, ["ece"] = manifest.Metrics.Ece, ["rowsHash"] = manifest.Dataset.RowsHash }));
            views.Add(new TrustModelView(row.Id, row.Kind, row.Scope, row.Version, TrustService.Utc(row.TrainedAt), row.Seed, row.FeatureConfigHash,
                JsonNode.Parse(row.Manifest), row.EventsAtTraining, true, true, row.TrainedBy,
                new TrustModelArtifactView(row.ArtifactSha256 is null, row.ArtifactSha256, row.ArtifactSize, row.ArtifactMediaType), null));
        }

        await audit.CommitAsync(db, events, cancellationToken);

        // The bytes go in before the rows that name them commit: a failed write rolls the rows back, never leaving a dangling reference.
        foreach (var (key, bytes) in blobs)
        {
            await artifacts.WriteAsync(key, bytes, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return views;
    }

    /// <summary>Labelled examples from the trust events: each proposal's snapshot with what a person decided and what happened.</summary>
    private async Task<(List<TrustExample> Examples, int Total)> ExamplesAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var total = await db.Set<TrustEventEntity>().CountAsync(cancellationToken);
        var rows = await db.Set<TrustEventEntity>().AsNoTracking().OrderByDescending(e => e.At).ThenByDescending(e => e.RecordedAt).Take(MaxTrainingEvents)
            .ToListAsync(cancellationToken);
        var examples = new List<TrustExample>();
        foreach (var proposal in rows.GroupBy(e => e.ProposalId, StringComparer.Ordinal))
        {
            var snapshot = proposal.Where(e => e.Kind == TrustEventKinds.Proposal).Select(ProposalOf).OfType<TrustProposal>().FirstOrDefault();
            if (snapshot is null)
            {
                continue;
            }

            var decision = proposal.Where(e => e.Kind == TrustEventKinds.Decision).Select(e => e.Result).FirstOrDefault();
            var result = proposal.Where(e => e.Kind == TrustEventKinds.Outcome).Select(e => e.Result).FirstOrDefault()
                ?? proposal.Where(e => e.Kind == TrustEventKinds.Execution).Select(e => e.Result).FirstOrDefault();
            bool? approved = decision switch { TrustEventKinds.Approved => true, TrustEventKinds.Rejected or TrustEventKinds.Edited => false, _ => null };
            bool? succeeded = result is null ? null : result == TrustEventKinds.Succeeded;
            examples.Add(new TrustExample(proposal.Key, snapshot, approved, succeeded));
        }

        return ([.. ScopeHistoryBuilder.WithHistory(examples)], total);
    }

    private static TrustProposal? ProposalOf(TrustEventEntity e) =>
        e.Features is not null && JsonNode.Parse(e.Features)?["context"] is JsonObject context
            ? new TrustProposal(TrustService.ScopeOf(e), (JsonObject)context.DeepClone(), TrustService.Utc(e.At), new ScopeHistory(0, null, 0, null))
            : null;

    /// <summary>Takes the trainer lease if it is free, expired or already ours.</summary>
    private async Task<bool> TryLeaseAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Set<TrustLeaseEntity>().AnyAsync(l => l.Name == LeaseName, cancellationToken))
        {
            db.Add(new TrustLeaseEntity { Name = LeaseName, Holder = Holder, Until = now + LeaseLength });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }
            catch (DbUpdateException)
            {
                // Another process created the lease first; compete for it below like any other holder.
                db.ChangeTracker.Clear();
            }
        }

        var holder = Holder;
        return await db.Set<TrustLeaseEntity>()
            .Where(l => l.Name == LeaseName && (l.Until < now || l.Holder == holder))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.Until, now + LeaseLength), cancellationToken) == 1;
    }

    private async Task ReleaseLeaseAsync()
    {
        var holder = Holder;
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        await db.Set<TrustLeaseEntity>().Where(l => l.Name == LeaseName && l.Holder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Until, DateTime.UnixEpoch), CancellationToken.None);
    }
}
