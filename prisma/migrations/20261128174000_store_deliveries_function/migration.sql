-- Webhook ingest in one round trip per batch (group commit): the api collects the deliveries
-- that arrive while a commit is in flight and stores them all with one call of this function,
-- in one transaction. It does for each what packages/ingest/src/store-deliveries.ts documents:
-- the repository binding check, the repository upsert, replay detection, the delivery row, and
-- for a build its Build and BuildAttempt rows, outbox rows and the cancel of builds it
-- supersedes. Ids (UUIDv7) come from the caller. Each delivery runs in its own subtransaction:
-- one that fails (its error is returned) never takes the others down.
--
-- Input: a JSON array of deliveries (see ZStoredDeliveryInput in store-deliveries.ts); output: a
-- JSON array of results in the same order.
CREATE FUNCTION slipway_store_deliveries(items jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
  it jsonb;
  results jsonb[] := '{}';
  n int := jsonb_array_length(items);
  ord int;
BEGIN
  -- Deliveries without a repository first, then by repository (GitHub id): each delivery of
  -- a repository takes that repository's lock before anything else (slipway_store_delivery),
  -- so two concurrent batches take their locks in the same order and never wait in a cycle.
  -- (A deadlock that still happened would fail one delivery; the api tries it once more, then
  -- answers 503.)
  FOR it, ord IN
    SELECT e.value, e.ordinality FROM jsonb_array_elements(items) WITH ORDINALITY e
    ORDER BY e.value #>> '{repo,github_id}' NULLS FIRST, e.ordinality
  LOOP
    BEGIN
      results[ord] := slipway_store_delivery(it);
    EXCEPTION
      WHEN unique_violation THEN
        -- A concurrent batch inserted the same repository (its name) or delivery first. The
        -- violation is raised once that batch committed, so a second go sees its rows.
        BEGIN
          results[ord] := slipway_store_delivery(it);
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

-- force_custom_plan: PL/pgSQL caches a generic plan of each statement after five calls; one
-- made while the tables were small (a new farm, before autovacuum's first ANALYZE) reads
-- them whole for as long as the connection lives. Measured: a batch of 32 took 23 ms at 640
-- builds and 68 ms at 6,400 in one process with cached plans, a flat 13 ms with fresh ones.
CREATE FUNCTION slipway_store_delivery(it jsonb) RETURNS jsonb
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $fn$
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
  v record;
  now_ts timestamptz := now();
  report boolean := coalesce((it->>'report')::boolean, false);
  supersede boolean;
  newer record;
BEGIN
  -- Deliveries of one repository are stored one batch at a time: a lock without a write, held
  -- to commit, taken before any row of this delivery is read or written. So auto-cancel below
  -- sees every older build another batch stored, and no batch waits on a row (repository,
  -- delivery id) that a batch waiting on this lock holds.
  IF repo IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('slipway:ingest:' || (repo->>'github_id'), 0));
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
  supersede := repo_row.auto_cancel AND b->>'ref_type' <> 'tag'
     AND NOT (b->>'ref_type' = 'branch' AND coalesce(b->>'ref_name' = repo_row.default_branch, false) AND NOT repo_row.auto_cancel_default_branch);
  -- Ids (UUIDv7) sort by creation. A batch stored concurrently may have taken the repository's
  -- lock first with newer builds of this ref: then this one is already superseded.
  IF supersede THEN
    SELECT x.id INTO newer FROM builds x
      WHERE x.repository_id = repo_row.id AND x.ref = b->>'ref' AND x.id > build_id AND x.trigger IN ('push', 'pull_request')
      ORDER BY x.id LIMIT 1;
    IF FOUND THEN
      UPDATE builds SET status = 'cancelled', finished_at = now_ts, superseded_by_id = newer.id, updated_at = now_ts WHERE id = build_id;
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
    FOR v IN
      UPDATE builds SET status = 'cancelled', finished_at = now_ts, superseded_by_id = build_id, error_class = NULL, error_message = NULL, updated_at = now_ts
        WHERE repository_id = repo_row.id AND ref = b->>'ref' AND status IN ('queued', 'running') AND id < build_id
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
  END IF;

  RETURN jsonb_build_object('outcome', 'build_queued', 'buildId', build_id, 'reason', NULL, 'duplicate', false, 'queuedNew', true, 'superseded', victims);
END
$fn$;

-- What a delivery id already stored answers (duplicate: true), or NULL when it is new.
CREATE FUNCTION slipway_stored_answer(github_delivery text) RETURNS jsonb
LANGUAGE sql STABLE AS $fn$
  SELECT jsonb_build_object('outcome', d.outcome, 'buildId', (SELECT x.id FROM builds x WHERE x.delivery_id = d.id LIMIT 1),
                            'reason', d.reason, 'duplicate', true)
  FROM webhook_deliveries d WHERE d.github_delivery = slipway_stored_answer.github_delivery
$fn$;

-- The build an earlier delivery of this very change queued, with the reason a replay is
-- ignored: a push with the same repository, ref, before and after; a pull request event for a
-- head commit that pull request already built (a redelivery, or reopened with no new commit).
-- Equalities the unique push identity index answers: a CASE or IS NOT DISTINCT FROM here would
-- read every build of the ref, and so would comparing the char(40) columns with text (the
-- column gets cast, not the value: measured, a batch's time grew with the table).
CREATE FUNCTION slipway_find_replay(repository_id uuid, b jsonb) RETURNS TABLE (build_id uuid, reason text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
  found_id uuid;
  via text;
BEGIN
  IF b->>'trigger' = 'pull_request' THEN
    SELECT x.id, d.github_delivery INTO found_id, via FROM builds x LEFT JOIN webhook_deliveries d ON d.id = x.delivery_id
      WHERE x.repository_id = slipway_find_replay.repository_id AND x.ref = b->>'ref' AND x.sha = (b->>'sha')::bpchar
        AND x.trigger = 'pull_request'
      LIMIT 1;
  ELSE
    SELECT x.id, d.github_delivery INTO found_id, via FROM builds x LEFT JOIN webhook_deliveries d ON d.id = x.delivery_id
      WHERE x.repository_id = slipway_find_replay.repository_id AND x.ref = b->>'ref'
        AND x.before_sha = (b->>'before_sha')::bpchar AND x.sha = (b->>'sha')::bpchar
      LIMIT 1;
  END IF;
  IF found_id IS NULL THEN
    RETURN;
  END IF;
  via := CASE WHEN via IS NULL THEN '' ELSE format(' (delivery %s)', via) END;
  build_id := found_id;
  reason := CASE WHEN b->>'trigger' = 'pull_request'
    THEN format('pull request #%s already built %s%s: build %s (retry it to build again)', b->>'pull_request', b->>'sha', via, found_id)
    ELSE format('replay of a push already received%s: same repository, ref, before and after; build %s', via, found_id)
  END;
  RETURN NEXT;
END
$fn$;
