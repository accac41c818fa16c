// Package registry is growthlens's store: one Badger v4 directory per deployment holding, for
// every tenant, the registered model versions and their aliases, training-run records,
// alerts, and, for the deployment, the audit log and the API keys.
//
// It stores and protects bytes; it must not know how a model is fitted, scored or decoded
// (artifacts are opaque, described by Metadata), decide who may do what (the server's
// permission table does), write audit entries on its own behalf (callers append one per
// mutation, including refused ones), or ever log or store a secret: API keys are kept as
// SHA-256 hashes, encryption keys only in memory.
//
// # Keys
//
//	t/<tenant>/model/<name>/<version>          version record (JSON): Metadata, size, chunk count
//	t/<tenant>/artifact/<name>/<version>/<i>   artifact piece i (ChunkSize bytes, the last shorter)
//	t/<tenant>/seq/<name>                      last version number handed out
//	t/<tenant>/alias/<name>/<alias>            alias record: version, who, why, rollback stack
//	t/<tenant>/aliaslog/<name>/<alias>/<seq>   alias history, one event per move
//	t/<tenant>/run/<id>, t/<tenant>/alert/<id> run and alert records (opaque JSON)
//	t/<tenant>/goal|catalogue|adjustment/<id>/<version>  versioned documents (document.go)
//	audit/<time>/<id>                          audit entry; time is fixed-width UTC, so keys sort by time
//	key/<sha256 of secret>                     API key record
//
// Versions and sequence numbers are zero-padded to ten digits so that byte order is numeric
// order. Tenant, model, alias, run and alert names are 1–64 characters of letters, digits,
// '.', '_' and '-', so no name can reach into another tenant's keys.
//
// # Versions and aliases
//
// Put stores an immutable version: numbers start at 1 per (tenant, model), are assigned in
// the writing transaction (concurrent Puts retry on Badger's write conflict and never share a
// number) and are never reused after Delete. The artifact's pieces, the record and the counter
// are one transaction, so a version is complete or absent. Reads check the artifact against
// the SHA-256 recorded at Put and Badger's value-log CRC: damage is ErrCorrupt, never a
// different model.
//
// An alias (Champion, Challenger or any name) is moved by SetAlias, Promote, RollbackAlias
// and Rollback, each in one transaction with its history event. The alias keeps a stack of
// the versions it pointed at, so successive rollbacks walk back through earlier champions.
// Every transaction that changes a model reads and rewrites its counter key, so a promotion
// and a delete of the same version cannot both commit; Delete refuses a version an alias
// points at. After each committed move the store bumps Generation and sends the AliasEvent to
// Subscribe channels, which is how a server swaps models without a restart; LoadAlias reads an
// alias and its artifact from one snapshot.
//
// # One process
//
// Only one process may open a store. Open takes an flock on growthlens.lock (the kernel drops
// it if the process dies) and writes its pid there; a second opener — another process, or a
// second Open in the same one — gets an *InUseError naming that pid. A Store is safe for
// concurrent use by many goroutines.
//
// # Encryption at rest
//
// With Options.EncryptionKey (16, 24 or 32 bytes: AES-128/192/256) Badger encrypts its
// tables, value log and memtable log. Keys are given as text in GROWTHLENS_ENCRYPTION_KEY or a
// key file (--encryption-key-file), in hex or base64 (see ParseKey); `openssl rand -hex 32`
// makes a good one. A plaintext file, growthlens-store.json, records whether the store is
// encrypted and a 16-byte HMAC check value of the key, so that a missing key, a key given to a
// plaintext store and a wrong key each get their own *KeyError before Badger is asked to open;
// Badger's own key registry check backs it up. Open validates the key length itself and,
// with a key, gives Badger the non-zero block and index caches it would otherwise panic
// without, so a bad key is always an error.
//
// # Backup and restore
//
// Badger's own backup stream is plaintext even from an encrypted store (and buffers hundreds
// of megabytes), so Backup streams the keys of one snapshot itself and encrypts them on the
// way: AES-256-GCM in 256 KiB frames with keys derived by HKDF-SHA256 from the store key
// (or an explicit backup key, GROWTHLENS_BACKUP_KEY, so that backups can be restored without
// the store key), the frame counter and a last-frame flag in each nonce, and the header as
// additional data. A plaintext store without a backup key gets a plaintext backup with a
// SHA-256 per frame. Restore builds the store in a temporary directory beside the target,
// authenticates every frame before Badger sees it, requires the last frame and nothing after
// it, runs Check on the result, and only then renames it into place; an existing store is
// replaced only with Force and is kept as <dir>.replaced-<time>. The byte layout is documented
// in backup.go.
//
// # Crash safety
//
// Writes are synced (SyncWrites) and each logical change is one Badger transaction, which
// Badger's log replay applies entirely or not at all. TestKill9 runs a child process looping
// Put, Promote, Rollback and Delete on an encrypted store, kills it with
// SIGKILL at chosen moments, and after every kill checks with Check that each version is
// complete and checksum-valid, each alias's history is an unbroken chain ending at the alias,
// every acknowledged version survived, and the champion is the last acknowledged one (or the
// move that was in flight).
//
// # Space
//
// The store never runs Badger's value-log garbage collection. With Badger v4.9.6, killing a
// process with SIGKILL while it ran RunValueLogGC after deletes brought deleted artifact pieces
// back on the next open (3 of 28 runs of the kill -9 test; 0 of 16 without value-log GC, and
// none in 1,500 in-process iterations with GC but no kill) — the class of bug tracked upstream
// as dgraph-io/badger#2286 and #2278. So Delete removes a version's keys but its artifact's
// value-log space stays until the store is rebuilt: `growthlens backup` then `growthlens
// restore --force` writes only live data. Model versions are written a few times a day, so
// this costs disk, not correctness.
//
// # Memory
//
// Badger's defaults suit a database server (5 × 64 MiB memtables, a 256 MiB block cache,
// 1 GiB value-log files). A registry holds few keys and a few large values, so Open uses:
//
//	MemTableSize       8 MiB   (largest transaction of small values: 15 %, 1.2 MiB)
//	NumMemtables       2
//	ValueThreshold     64 KiB  (artifact pieces and large records live in the value log)
//	ValueLogFileSize   64 MiB  (mapped at twice the size; a larger transaction extends the file)
//	BlockCacheSize     0, or 8 MiB with encryption
//	IndexCacheSize     0 (indexes in memory), or 4 MiB with encryption
//	NumCompactors      2, NumLevelZeroTables 2 (stall at 8), compression off
//	SyncWrites, VerifyValueChecksum on; metrics off
//
// Measured with `make bench-registry` (medians of 5 runs on the shared 2-core development
// machine). BenchmarkOpenRSS has a fresh process open a store of 20 one-MB versions of 2
// models with aliases and 100 audit entries, list it, load the champion and read the audit
// log: VmRSS 13.5 MiB with these settings (3.2 MiB of it anonymous), 14.9 MiB encrypted,
// 71.7 MiB with Badger's DefaultOptions on the same directory, 8.8 MiB for the bare process.
// The first open after a writing session peaks higher, 45 MiB (16 MiB anonymous), because
// Badger reads through the value-log file that was being written; the rest is file cache.
// `/usr/bin/time -v growthlens models show` on such a store reports the same: 45 MiB the first
// time, 12 MiB after. In the same benchmark run a synced Put took 0.27 ms for 10 KB, 6.0 ms for
// 1 MB (14 ms encrypted) and 226 ms for 32 MB (196 ms encrypted); reading an artifact took
// 3.8 ms for 1 MB (4.6 ms encrypted) and 122 ms for 32 MB (197 ms encrypted), most of it
// SHA-256 (this CPU lacks SHA-NI); a promotion 2.2 ms; Authenticate 7 µs.
//
// Badger reads values through memory-mapped value-log files, so reading N MB of artifacts
// adds up to N MB of file-backed (reclaimable) RSS. Backing up a 200 MB store (10 versions of
// 20 MB) with `growthlens backup` peaked at 2.7 MiB anonymous memory (217 MiB RSS with those
// pages), restoring it at 72 MiB anonymous; Badger's own Backup and Load took 1.1 GB and
// 0.6 GB of RSS on the same store (sampled from /proc/PID/status every 10 ms and with
// /usr/bin/time -v).
package registry
