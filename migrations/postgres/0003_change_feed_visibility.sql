-- The change feed's order on PostgreSQL. A sequence value is taken when a change is written, not when its
-- transaction commits, so a reader paging by `seq` alone can pass a change that commits later with a lower seq and
-- never see it. Each change therefore records the transaction that wrote it (its full 64-bit id, xid8), and the feed
-- is read in (txid, seq) order, only as far as transactions older than the oldest one still running
-- (pg_snapshot_xmin): every such transaction has ended, so nothing can later appear before what was served
-- (src/repositories/changes-repository.ts).
ALTER TABLE changes ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
--> statement-breakpoint
CREATE INDEX changes_txid_seq_idx ON changes (txid, seq);
--> statement-breakpoint
-- How far pruning has gone: a token before this position asks for changes that are no longer kept (410 Gone).
CREATE TABLE change_feed_horizon (
  id integer PRIMARY KEY CHECK (id = 1),
  txid xid8 NOT NULL,
  seq integer NOT NULL
);
--> statement-breakpoint
INSERT INTO change_feed_horizon (id, txid, seq) VALUES (1, '0', 0);
