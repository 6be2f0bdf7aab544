-- Reference data served by GET /api/v1/regions, /images and /computes/specifications,
-- exactly as Strettch Cloud's public contract lists it.
INSERT INTO "regions" ("id", "slug", "name", "country_code", "position") VALUES
  (1, 'KGL-1', 'Kigali-1', 'RW', 1);
--> statement-breakpoint
INSERT INTO "images" ("slug", "image_name", "version", "display_name", "kind", "position") VALUES
  ('UBUNTU-24.04', 'Ubuntu', '24.04', '24.04 LTS', 'os', 1),
  ('UBUNTU-22.04', 'Ubuntu', '22.04', '22.04 LTS', 'os', 2),
  ('COOLIFY-4.1.1', 'Coolify', '4.1.1', 'Coolify 4.1.1 on Ubuntu 24.04', 'application', 3),
  ('DOKPLOY-0.29.12', 'Dokploy', '0.29.12', 'Dokploy 0.29.12 on Ubuntu 24.04', 'application', 4),
  ('SUPABASE-0.7.0', 'Supabase', '0.7.0', 'Supabase 0.7.0 on Ubuntu 24.04', 'application', 5);
--> statement-breakpoint
INSERT INTO "specifications" ("id", "slug", "vcpus", "memory_mb", "storage_gb", "position") VALUES
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000001', 'S-1C', 1, 512, 10, 1),
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000002', 'S-1C-1G', 1, 1024, 20, 2),
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000003', 'S-1C-2G', 1, 2048, 40, 3),
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000004', 'S-2C-4G', 2, 4096, 80, 4),
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000005', 'S-4C-8G', 4, 8192, 160, 5),
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000006', 'S-8C-16G', 8, 16384, 320, 6),
  ('0b6c1f1e-5a51-4d0c-9a43-1c0a1a000007', 'S-16C-32G', 16, 32768, 640, 7);
