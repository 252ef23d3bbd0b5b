-- The reconciler looks for publishes left pending (packages/maintenance): an index, not a read
-- of every publish row each pass.
-- CreateIndex
CREATE INDEX "publishes_status_created_at_idx" ON "publishes"("status", "created_at");

-- Deliveries of one repository stored by batches side by side (the shared lock) could take the
-- row locks of the same pushes in opposite orders (two batches holding copies of the same two
-- pushes, e.g. a redelivery) and deadlock; found in review. The batch now orders them by push
-- and delivery id within a repository. Otherwise as in migration 20261128203000.
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

