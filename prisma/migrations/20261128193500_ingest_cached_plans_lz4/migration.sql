-- Ingest, faster per batch and with batches of one repository side by side:
--
-- 1. slipway_store_delivery plans its statements once per connection again (PL/pgSQL's plan
--    cache) instead of once per call: planning was a third of a batch's time (measured with a
--    batch of 32 push deliveries on one connection over 9,600 builds: 24 ms a batch before,
--    16 ms after). The statements left in it are inserts and lookups by a unique key, whose
--    plans do not depend on how many rows a table holds. The statements whose best plan does
--    (the replay lookup, already in slipway_find_replay, and the two auto-cancel statements
--    that read a ref's builds, moved below) keep plan_cache_mode = force_custom_plan: a
--    generic plan made for them while a new farm's tables were small reads every build until
--    autovacuum's first ANALYZE (measured: a batch grew from 26 ms at 1,600 builds to 33 ms at
--    3,200).
-- 2. The repository's lock is shared by deliveries that cannot supersede or be superseded
--    (slipway_supersedes): before, every delivery of a repository held it alone, so two
--    batches of pushes to one default branch never ran side by side.
-- 3. The delivery payload is compressed with lz4 where the server has it (pglz before).
--
-- slipway_store_delivery is the one of migration 20261128174000 with those changes; what it
-- stores is unchanged.

CREATE FUNCTION slipway_newer_build(repository_id uuid, ref text, build_id uuid) RETURNS uuid
LANGUAGE sql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
  -- Ids (UUIDv7) sort by creation: a build of the same ref stored after this one.
  SELECT x.id FROM builds x
  WHERE x.repository_id = slipway_newer_build.repository_id AND x.ref = slipway_newer_build.ref
    AND x.id > slipway_newer_build.build_id AND x.trigger IN ('push', 'pull_request')
  ORDER BY x.id LIMIT 1
$fn$;

-- Cancels the queued and running builds of the ref older than build_id (superseded by it), with
-- their attempts and, when GitHub is reported to, a report row each. Returns [{id, attempt}].
CREATE FUNCTION slipway_cancel_superseded(repository_id uuid, ref text, build_id uuid, report boolean, now_ts timestamptz) RETURNS jsonb
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $fn$
#variable_conflict use_variable
DECLARE
  victims jsonb := '[]';
  v record;
BEGIN
  FOR v IN
    UPDATE builds SET status = 'cancelled', finished_at = now_ts, superseded_by_id = build_id, error_class = NULL, error_message = NULL, updated_at = now_ts
      WHERE builds.repository_id = repository_id AND builds.ref = ref AND status IN ('queued', 'running') AND id < build_id
      RETURNING id, attempt
  LOOP
    UPDATE build_attempts SET status = 'cancelled', finished_at = now_ts
      WHERE build_attempts.build_id = v.id AND build_attempts.attempt = v.attempt AND status IN ('queued', 'running');
    IF report THEN
      INSERT INTO outbox_messages (topic, payload, created_at, available_at)
        VALUES ('github.report', jsonb_build_object('buildId', v.id, 'attempt', v.attempt, 'event', 'cancelled'), now_ts, now_ts);
    END IF;
    victims := victims || jsonb_build_object('id', v.id, 'attempt', v.attempt);
  END LOOP;
  RETURN victims;
END
$fn$;

-- Whether a delivery's build may cancel older builds of its ref, or be cancelled at birth by a
-- newer one (auto-cancel): never for tags (each names a release), nor for the default branch
-- unless the repository asks (each of its commits is published). `default_branch` is the one
-- the delivery itself writes into the repository row (its payload's): the batch decides the
-- lock from it before that write and slipway_store_delivery after it, so both see one value.
-- (Decided from the row as it was, a push naming a new default branch was refused on every
-- try; found by fuzzing.) A repository not stored yet (r.id NULL) counts as one that may.
CREATE FUNCTION slipway_supersedes(r repositories, b jsonb, default_branch text) RETURNS boolean
LANGUAGE sql STABLE AS $fn$
  SELECT b IS NOT NULL AND b->>'ref_type' <> 'tag'
    AND (r.id IS NULL OR (r.auto_cancel
      AND NOT (b->>'ref_type' = 'branch' AND coalesce(b->>'ref_name' = default_branch, false) AND NOT r.auto_cancel_default_branch)))
$fn$;

-- lz4 only where this server was built with it (it is optional at build time): pglz otherwise.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE webhook_deliveries ALTER COLUMN payload SET COMPRESSION lz4;
  END IF;
END
$$;

CREATE FUNCTION slipway_store_delivery(it jsonb, exclusive boolean) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
-- An unqualified name that is both a column and a variable here means the variable (columns
-- that share a name are always written qualified, e.g. build_attempts.build_id).
#variable_conflict use_variable
DECLARE
  repo jsonb := nullif(it->'repo', 'null'::jsonb);
  b jsonb := nullif(it->'build', 'null'::jsonb);
  outcome delivery_outcome := (it->>'outcome')::delivery_outcome;
  reason text := it->>'reason';
  gid bigint := (repo->>'github_id')::bigint;
  repo_row repositories%ROWTYPE;
  known record;
  existing jsonb;
  replay record;
  delivery_id uuid := (it->>'id')::uuid;
  build_id uuid;
  victims jsonb := '[]';
  now_ts timestamptz := now();
  report boolean := coalesce((it->>'report')::boolean, false);
  supersede boolean;
  newer uuid;
BEGIN
  -- A lock per repository without a write, held to commit, taken before any row of this
  -- delivery is read or written. A delivery that may cancel builds of its ref, or be cancelled
  -- at birth (slipway_supersedes), holds it alone: deliveries of one repository that supersede
  -- are stored one batch at a time, so auto-cancel below sees every older build another batch
  -- stored. The others (pushes to the default branch, tags, pings) share it: they read no
  -- other build, so batches of them are stored side by side. No batch waits on a row
  -- (repository, delivery id) that a batch waiting on this lock holds.
  IF repo IS NOT NULL THEN
    IF exclusive THEN
      PERFORM pg_advisory_xact_lock(hashtextextended('slipway:ingest:' || (repo->>'github_id'), 0));
    ELSE
      PERFORM pg_advisory_xact_lock_shared(hashtextextended('slipway:ingest:' || (repo->>'github_id'), 0));
    END IF;
  END IF;

  -- A delivery id seen before: answer with what the first copy stored.
  existing := slipway_stored_answer(it->>'github_delivery');
  IF existing IS NOT NULL THEN
    RETURN existing;
  END IF;

  -- The first binding of a repository's id and name stands (see store-deliveries.ts).
  IF repo IS NOT NULL AND NOT coalesce((it->>'accept_renames')::boolean, false) THEN
    FOR known IN
      SELECT r.github_id, r.full_name FROM repositories r
      WHERE r.github_id = gid OR lower(r.full_name) = lower(repo->>'full_name')
    LOOP
      IF known.github_id = gid AND known.full_name <> repo->>'full_name' THEN
        outcome := 'refused';
        reason := format('repository id %s is known here as %s, not %s: a rename is not accepted from a webhook payload alone (SLIPWAY_ACCEPT_RENAMES)', gid, known.full_name, repo->>'full_name');
      ELSIF known.github_id <> gid AND lower(known.full_name) = lower(repo->>'full_name') THEN
        outcome := 'refused';
        reason := format('repository %s is known here with id %s, not %s: a re-created repository is not accepted from a webhook payload alone (SLIPWAY_ACCEPT_RENAMES)', repo->>'full_name', known.github_id, gid);
      END IF;
      EXIT WHEN outcome = 'refused';
    END LOOP;
  END IF;

  IF repo IS NOT NULL AND outcome <> 'refused' AND outcome <> 'ping' THEN
    -- Written only when new or changed: an upsert on every delivery made the repository's row
    -- a lock every push to it waited on until commit (measured with pgbench, the same rows:
    -- 305 deliveries/s with the upsert, 1,232/s without).
    SELECT * INTO repo_row FROM repositories r WHERE r.github_id = gid;
    IF NOT FOUND OR (repo_row.full_name, repo_row.owner, repo_row.name, repo_row.default_branch, repo_row.private)
        IS DISTINCT FROM (repo->>'full_name', repo->>'owner', repo->>'name', repo->>'default_branch', coalesce((repo->>'private')::boolean, false)) THEN
      -- Another repository (GitHub id) may still hold this name: renamed or deleted, the name
      -- reused. Park the stale row under "<name>#<id>"; its next delivery brings its name back.
      UPDATE repositories SET full_name = full_name || '#' || github_id::text
        WHERE full_name = repo->>'full_name' AND github_id <> gid;
      INSERT INTO repositories AS r (id, github_id, full_name, owner, name, default_branch, private, created_at, updated_at)
        VALUES ((repo->>'new_id')::uuid, gid, repo->>'full_name', repo->>'owner', repo->>'name', repo->>'default_branch',
                coalesce((repo->>'private')::boolean, false), now_ts, now_ts)
        ON CONFLICT (github_id) DO UPDATE SET full_name = EXCLUDED.full_name, owner = EXCLUDED.owner, name = EXCLUDED.name,
          default_branch = EXCLUDED.default_branch, private = EXCLUDED.private, updated_at = now_ts
        RETURNING r.* INTO repo_row;
    END IF;
  END IF;

  -- The build an earlier delivery of this very change queued: a replay.
  IF outcome = 'build_queued' THEN
    SELECT * INTO replay FROM slipway_find_replay(repo_row.id, b);
    IF FOUND THEN
      outcome := 'ignored';
      reason := replay.reason;
      build_id := replay.build_id;
    END IF;
  END IF;

  INSERT INTO webhook_deliveries (id, github_delivery, event, action, hook_id, repository_id, outcome, reason, payload, received_at)
    VALUES (delivery_id, it->>'github_delivery', it->>'event', it->>'action', it->>'hook_id', repo_row.id, outcome, reason, it->'payload', now_ts)
    ON CONFLICT (github_delivery) DO NOTHING;
  IF NOT FOUND THEN
    -- A concurrent copy of this delivery committed first: answer with what it stored.
    RETURN slipway_stored_answer(it->>'github_delivery');
  END IF;

  IF outcome <> 'build_queued' THEN
    RETURN jsonb_build_object('outcome', outcome, 'buildId', build_id, 'reason', reason, 'duplicate', build_id IS NOT NULL);
  END IF;

  build_id := (b->>'id')::uuid;
  INSERT INTO builds (id, repository_id, delivery_id, status, trigger, ref, ref_type, ref_name, sha, before_sha, pusher, commit_message,
                      pull_request, base_ref, head_repository, from_fork, attempt, queued_at, created_at, updated_at)
    VALUES (build_id, repo_row.id, delivery_id, 'queued', (b->>'trigger')::build_trigger, b->>'ref', (b->>'ref_type')::ref_type, b->>'ref_name',
            b->>'sha', b->>'before_sha', b->>'pusher', b->>'commit_message', (b->>'pull_request')::int, b->>'base_ref',
            b->>'head_repository', coalesce((b->>'from_fork')::boolean, false), 1, now_ts, now_ts, now_ts)
    ON CONFLICT (repository_id, ref, before_sha, sha) DO NOTHING;
  IF NOT FOUND THEN
    -- A concurrent replay (same push under another delivery id) committed first.
    SELECT * INTO replay FROM slipway_find_replay(repo_row.id, b);
    UPDATE webhook_deliveries SET outcome = 'ignored', reason = replay.reason WHERE id = delivery_id;
    RETURN jsonb_build_object('outcome', 'ignored', 'buildId', replay.build_id, 'reason', replay.reason, 'duplicate', true);
  END IF;
  INSERT INTO build_attempts (id, build_id, attempt, status, trigger, tries, queued_at)
    VALUES ((b->>'attempt_id')::uuid, build_id, 1, 'queued', (b->>'trigger')::build_trigger, 0, now_ts);

  -- Auto-cancel: a new build of a branch or pull request makes the older queued and running
  -- builds of the same ref pointless. Never for tags (each names a release), nor for the
  -- default branch unless the repository asks (each of its commits is published).
  supersede := slipway_supersedes(repo_row, b, repo_row.default_branch);
  IF supersede AND NOT exclusive THEN
    -- The repository's settings changed since the batch read them: the api tries again.
    RAISE EXCEPTION 'the repository''s auto-cancel settings changed while this delivery was stored' USING ERRCODE = 'serialization_failure';
  END IF;
  -- Ids (UUIDv7) sort by creation. A batch stored concurrently may have taken the repository's
  -- lock first with newer builds of this ref: then this one is already superseded.
  IF supersede THEN
    newer := slipway_newer_build(repo_row.id, b->>'ref', build_id);
    IF newer IS NOT NULL THEN
      UPDATE builds SET status = 'cancelled', finished_at = now_ts, superseded_by_id = newer, updated_at = now_ts WHERE id = build_id;
      UPDATE build_attempts SET status = 'cancelled', finished_at = now_ts WHERE build_attempts.build_id = build_id;
      IF report THEN
        INSERT INTO outbox_messages (topic, payload) VALUES ('github.report', jsonb_build_object('buildId', build_id, 'attempt', 1, 'event', 'cancelled'));
      END IF;
      RETURN jsonb_build_object('outcome', 'build_queued', 'buildId', build_id, 'reason', NULL, 'duplicate', false, 'queuedNew', false, 'superseded', '[]'::jsonb);
    END IF;
  END IF;

  INSERT INTO outbox_messages (topic, payload, created_at, available_at)
    VALUES ('build.enqueue', jsonb_build_object('buildId', build_id, 'attempt', 1), now_ts, now_ts);
  IF report THEN
    INSERT INTO outbox_messages (topic, payload, created_at, available_at)
      VALUES ('github.report', jsonb_build_object('buildId', build_id, 'attempt', 1, 'event', 'queued'), now_ts, now_ts);
  END IF;

  IF supersede THEN
    victims := slipway_cancel_superseded(repo_row.id, b->>'ref', build_id, report, now_ts);
  END IF;

  RETURN jsonb_build_object('outcome', 'build_queued', 'buildId', build_id, 'reason', NULL, 'duplicate', false, 'queuedNew', true, 'superseded', victims);
END
$fn$;

-- The batch, as in migration 20261128174000, with each delivery's lock mode decided first from
-- the repository row as it is now (slipway_store_delivery checks it again under the lock).
CREATE OR REPLACE FUNCTION slipway_store_deliveries(items jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  it jsonb;
  results jsonb[] := '{}';
  n int := jsonb_array_length(items);
  ord int;
  excl boolean;
BEGIN
  -- Deliveries without a repository first, then by repository (GitHub id), those that hold the
  -- repository's lock alone before those that share it: each delivery takes its lock before
  -- anything else, so two concurrent batches take their locks in the same order and never wait
  -- in a cycle, and no batch asks for a lock alone while it shares it. Within a repository, by
  -- push (ref, before, after) and delivery id: batches that share the lock run side by side and
  -- wait on each other's rows of one push (its unique identity) or delivery (its id), and do so
  -- in this one order. (A deadlock that still happened would fail one delivery; the api tries
  -- it once more, then answers 503.)
  FOR it, ord, excl IN
    SELECT e.value, e.ordinality,
           coalesce(e.value->>'outcome' = 'build_queued'
             AND slipway_supersedes(r, nullif(e.value->'build', 'null'::jsonb), e.value #>> '{repo,default_branch}'), false) AS excl
    FROM jsonb_array_elements(items) WITH ORDINALITY e
    LEFT JOIN repositories r ON r.github_id = (e.value #>> '{repo,github_id}')::bigint
    ORDER BY e.value #>> '{repo,github_id}' NULLS FIRST, excl DESC,
      e.value #>> '{build,ref}', e.value #>> '{build,before_sha}', e.value #>> '{build,sha}', e.value->>'github_delivery', e.ordinality
  LOOP
    BEGIN
      results[ord] := slipway_store_delivery(it, excl);
    EXCEPTION
      WHEN unique_violation THEN
        -- A concurrent batch inserted the same repository (its name) or delivery first. The
        -- violation is raised once that batch committed, so a second go sees its rows.
        BEGIN
          results[ord] := slipway_store_delivery(it, excl);
        EXCEPTION WHEN OTHERS THEN
          results[ord] := jsonb_build_object('error', SQLERRM, 'sqlstate', SQLSTATE);
        END;
      WHEN OTHERS THEN
        results[ord] := jsonb_build_object('error', SQLERRM, 'sqlstate', SQLSTATE);
    END;
  END LOOP;
  RETURN to_jsonb(results[1:n]);
END
$fn$;

DROP FUNCTION slipway_store_delivery(jsonb);
