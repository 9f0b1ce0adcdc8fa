-- Uploads in progress were staged as plaintext and cannot be continued encrypted: they are
-- dropped (their space returns to the quota) and their clients start them again.
DELETE FROM "uploads";--> statement-breakpoint
ALTER TABLE "files" ADD COLUMN "upload_id" text;--> statement-breakpoint
ALTER TABLE "files" ADD COLUMN "damaged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "blob_key" text NOT NULL;--> statement-breakpoint
ALTER TABLE "uploads" ADD COLUMN "sha256" text;--> statement-breakpoint
ALTER TABLE "files" ADD CONSTRAINT "files_upload_id_unique" UNIQUE("upload_id");--> statement-breakpoint
ALTER TABLE "uploads" ADD CONSTRAINT "uploads_blob_key_unique" UNIQUE("blob_key");