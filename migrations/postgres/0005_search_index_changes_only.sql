-- The search index is written only when what it holds of a record changes. An update of a record's other fields
-- (dates, status, a new version) leaves its index row alone, and an update of its text rewrites the row once: the
-- upsert of 0002 computed the row's searchable forms and tsvector twice on every update (once for the row it tried
-- to insert, again for the row it updated), about half of the cost of a meeting's PATCH in the write benchmark.
-- A new record is still inserted with ON CONFLICT, so that an index row left behind by any path is replaced.
CREATE OR REPLACE FUNCTION itinerary_index_record() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  resource text := TG_ARGV[0];
  indexed_title text;
  indexed_body text;
  unchanged boolean := false;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM search_index WHERE type = resource AND ref_id = OLD.id;
    RETURN OLD;
  END IF;
  IF resource = 'trip' THEN
    unchanged := TG_OP = 'UPDATE' AND NEW.title IS NOT DISTINCT FROM OLD.title
      AND NEW.summary IS NOT DISTINCT FROM OLD.summary AND NEW.topics::text IS NOT DISTINCT FROM OLD.topics::text;
    indexed_title := NEW.title;
    indexed_body := concat_ws(' · ', NEW.summary,
      (SELECT string_agg(topic, ', ') FROM json_array_elements_text(NEW.topics) AS t(topic)));
  ELSIF resource = 'stop' THEN
    unchanged := TG_OP = 'UPDATE' AND NEW.city IS NOT DISTINCT FROM OLD.city
      AND NEW.notes IS NOT DISTINCT FROM OLD.notes;
    indexed_title := NEW.city;
    indexed_body := NEW.notes;
  ELSIF resource = 'meeting' THEN
    unchanged := TG_OP = 'UPDATE' AND NEW.title IS NOT DISTINCT FROM OLD.title
      AND NEW.description IS NOT DISTINCT FROM OLD.description
      AND NEW.topics::text IS NOT DISTINCT FROM OLD.topics::text;
    indexed_title := NEW.title;
    indexed_body := concat_ws(' · ', NEW.description,
      (SELECT string_agg(topic, ', ') FROM json_array_elements_text(NEW.topics) AS t(topic)));
  ELSE
    unchanged := TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name
      AND NEW.title IS NOT DISTINCT FROM OLD.title AND NEW.organization IS NOT DISTINCT FROM OLD.organization;
    indexed_title := NEW.name;
    indexed_body := concat_ws(' · ', NEW.title, NEW.organization);
  END IF;
  IF unchanged THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    UPDATE search_index SET title = indexed_title, body = indexed_body WHERE type = resource AND ref_id = NEW.id;
    IF FOUND THEN
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO search_index (type, ref_id, title, body) VALUES (resource, NEW.id, indexed_title, indexed_body)
  ON CONFLICT (type, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body;
  RETURN NEW;
END
$$;
