-- A push whose payload names another default branch than the repository's row (GitHub's
-- default branch renamed, or a payload saying so) was answered 503 on every try, never
-- stored (found by fuzzing: apps/api/test/fuzz-webhook.test.ts). The batch chose the
-- delivery's lock from the repository row as it was (a push to the default branch: shared),
-- then slipway_store_delivery wrote the payload's default branch into the row and decided
-- again from it (not the default branch any more: it supersedes, so it must hold the lock
-- alone) and raised serialization_failure; the row's change rolled back with it, so the next
-- try decided the same way.
--
-- The batch now decides from the default branch the delivery itself will write (its payload's):
-- both decisions see the same value. The repository's auto-cancel settings still come from
-- the row; a concurrent change of them is the race serialization_failure is for.

CREATE FUNCTION slipway_supersedes(r repositories, b jsonb, default_branch text) RETURNS boolean
LANGUAGE sql STABLE AS $fn$
  SELECT b IS NOT NULL AND b->>'ref_type' <> 'tag'
    AND (r.id IS NULL OR (r.auto_cancel
      AND NOT (b->>'ref_type' = 'branch' AND coalesce(b->>'ref_name' = default_branch, false) AND NOT r.auto_cancel_default_branch)))
$fn$;

CREATE OR REPLACE FUNCTION slipway_supersedes(r repositories, b jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $fn$
  SELECT slipway_supersedes(r, b, r.default_branch)
$fn$;

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
  -- in a cycle, and no batch asks for a lock alone while it shares it. (A deadlock that still
  -- happened would fail one delivery; the api tries it once more, then answers 503.)
  FOR it, ord, excl IN
    SELECT e.value, e.ordinality,
           coalesce(e.value->>'outcome' = 'build_queued'
             AND slipway_supersedes(r, nullif(e.value->'build', 'null'::jsonb), e.value #>> '{repo,default_branch}'), false) AS excl
    FROM jsonb_array_elements(items) WITH ORDINALITY e
    LEFT JOIN repositories r ON r.github_id = (e.value #>> '{repo,github_id}')::bigint
    ORDER BY e.value #>> '{repo,github_id}' NULLS FIRST, excl DESC, e.ordinality
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

