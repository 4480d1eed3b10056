-- The cache generation is bumped once per writing transaction, not once per change row: a transaction that writes
-- many rows (an import, a cascade) would otherwise update the same counter row thousands of times, each update
-- leaving a version of the row behind for the next to step over. A setting local to the transaction remembers
-- that it has bumped; readers see the one bump when the transaction commits, as before.
CREATE OR REPLACE FUNCTION itinerary_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('itinerary.generation_bumped', true) IS DISTINCT FROM 'yes' THEN
    UPDATE cache_generation SET value = value + 1 WHERE shard = pg_backend_pid() % 16;
    PERFORM set_config('itinerary.generation_bumped', 'yes', true);
  END IF;
  RETURN NULL;
END
$$;
