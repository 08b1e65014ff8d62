//! The batch rows (`--batch`): many files in one run, each compared with limits measured in
//! the same run. This file holds what they share (the context, the CLI's abilities, one batch
//! through the API or the CLI) and the first two rows: 1000 × 16 KiB files in nested folders,
//! and 4 × 128 MiB with integrity on. The others: [`crate::batch_many`] (100 000 files, peak
//! RSS), [`crate::batch_sync`] (sync of an unchanged tree), [`crate::conns`] (connections).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cosv4::{BatchOptions, BatchOutcome, BatchSource, Client, FileStatus, Method};

use crate::batch_report::Row;
use crate::child::{self, ProcRun};
use crate::emulator::{Emulator, BUCKET};
use crate::runs::{self, SLICE, WORKERS};
use crate::tree::Tree;
use crate::{files, limits, TempDir, KIB, MIB};

/// The C CLI and what its `--help` says it can do.
pub struct Cli {
    pub bin: PathBuf,
    /// `-r`/`--recursive LOCAL_DIR COS_FOLDER/`.
    pub recursive: bool,
    /// `--sync` (with `-r`).
    pub sync: bool,
}

impl Cli {
    pub fn probe(bin: PathBuf) -> Cli {
        let help = Command::new(&bin)
            .arg("--help")
            .output()
            .map(|o| {
                let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
                s.push_str(&String::from_utf8_lossy(&o.stderr));
                s
            })
            .unwrap_or_default();
        Cli {
            recursive: help.contains("--recursive"),
            sync: help.contains("--sync"),
            bin,
        }
    }

    /// `cosv4-upload -r --quiet [extra] LOCAL_DIR COS_FOLDER` against `base_url`, measured.
    pub fn batch(
        &self,
        base_url: &str,
        extra: &[&str],
        local: &Path,
        cos_folder: &str,
    ) -> Result<ProcRun, String> {
        let mut cmd = child::cli_command(&self.bin, base_url);
        cmd.args(["-r", "--quiet"])
            .args(extra)
            .arg(local)
            .arg(cos_folder);
        child::run_measured(&cmd)
    }
}

/// What every batch row needs, and where its results go.
pub struct Ctx<'a> {
    /// Emulator child: `--discard-data`, parent folders required.
    pub emu: &'a Emulator,
    /// Where test trees are created (tmpfs when there is one; removed after each row).
    pub work: &'a Path,
    /// tmpfs for emulators' data.
    pub shm: &'a Path,
    pub cli: Option<&'a Cli>,
    pub runs: usize,
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl<'a> Ctx<'a> {
    /// The CLI when it has `-r`.
    pub fn cli_r(&self) -> Option<&'a Cli> {
        self.cli.filter(|c| c.recursive)
    }

    pub fn note(&mut self, note: String) {
        eprintln!("note: {note}");
        self.notes.push(note);
    }

    /// Keeps a successful row (printed); a failure becomes a note.
    pub fn keep(&mut self, r: Result<Row, String>) {
        match r {
            Ok(row) => {
                eprintln!(
                    "   {:<16} run {} {:>7} files {:>8.3} s {:>8.0} files/s",
                    row.name,
                    row.run,
                    row.files,
                    row.secs,
                    row.files_per_s()
                );
                self.rows.push(row);
            }
            Err(e) => self.note(format!("failed: {e}")),
        }
    }
}

/// A client with cosv4's defaults (integrity on) for `base_url`.
pub fn default_client(base_url: &str) -> Result<Client, String> {
    runs::client(base_url, true, WORKERS, SLICE)
}

/// One `upload_batch` of `local` to `cos_folder` with `opts`, measured (the client is built
/// before the clock starts); every file must end as `want` says.
pub fn api_batch(
    emu: Option<&Emulator>,
    base_url: &str,
    (local, cos_folder): (&Path, &str),
    opts: &BatchOptions,
    want: impl Fn(&BatchOutcome) -> bool,
) -> Result<(BatchOutcome, [f64; 3]), String> {
    let client = default_client(base_url)?;
    let source = BatchSource::Dir {
        local: local.to_path_buf(),
        cos_folder: cos_folder.to_string(),
    };
    let (out, m) = runs::measured(emu, || {
        client
            .upload_batch(BUCKET, source, opts, None)
            .map_err(|e| format!("upload_batch: {e}"))
    })?;
    if !want(&out) {
        return Err(format!(
            "batch to {cos_folder} not as expected: uploaded {}, unchanged {}, failed {}{}",
            out.uploaded,
            out.unchanged,
            out.failed,
            out.files
                .iter()
                .find(|f| matches!(f.status, FileStatus::Failed(_)))
                .map_or(String::new(), |f| format!(" (first: {f:?})"))
        ));
    }
    Ok((out, m))
}

/// The CLI's `-r` as a row: wall, CPU, peak RSS of the process; the emulator's CPU.
pub fn cli_row(
    name: &'static str,
    run: usize,
    emu: &Emulator,
    cli: &Cli,
    (tree_files, tree_bytes): (u64, u64),
    (local, cos_folder): (&Path, &str),
) -> Result<Row, String> {
    let srv0 = emu.cpu_seconds();
    let p = cli.batch(&emu.base_url, &[], local, cos_folder)?;
    let srv = emu.cpu_seconds() - srv0;
    let mut row = Row::timed(name, run, tree_files, tree_bytes, [p.secs, p.cpu_s, srv]);
    row.rss_kib = Some(p.rss_kib);
    Ok(row)
}

/// Row 1: 1000 × 16 KiB files in 10 folders of 100.
pub fn small_files(ctx: &mut Ctx) {
    let dir = TempDir::new(ctx.work, "small");
    let tree = Tree::create(&dir.0, 1000, 100, 16 * KIB)
        .unwrap_or_else(|e| panic!("creating the small-file tree: {e}"));
    let counts = (tree.count as u64, tree.bytes());
    for run in 1..=ctx.runs {
        eprintln!("-- 1000 × 16 KiB run {run}/{}", ctx.runs);
        ctx.keep(small_raw(ctx.emu, &tree, run));
        // What a client must do beyond the raw sender's work: read and hash every file.
        let local = runs::measured(None, || {
            let paths = (0..tree.count).map(|i| tree.root.join(tree.rel_path(i)));
            limits::sha_small_files(paths).map_err(|e| e.to_string())
        });
        ctx.keep(local.map(|(_, m)| Row::timed("small_sha", run, counts.0, counts.1, m)));
        let folder = format!("/small-api-r{run}/");
        let all = |o: &BatchOutcome| o.failed == 0 && o.uploaded == tree.count as u64;
        let r = api_batch(
            Some(ctx.emu),
            &ctx.emu.base_url,
            (&tree.root, &folder),
            &BatchOptions::default(),
            all,
        );
        ctx.keep(r.map(|(_, m)| Row::timed("small_api", run, counts.0, counts.1, m)));
        if let Some(cli) = ctx.cli_r() {
            let folder = format!("/small-cli-r{run}/");
            let r = cli_row(
                "small_cli_r",
                run,
                ctx.emu,
                cli,
                counts,
                (&tree.root, &folder),
            );
            ctx.keep(r);
        }
        if let Some(cli) = ctx.cli {
            ctx.keep(small_loop(ctx.emu, cli, &tree, run));
        }
    }
    if ctx.cli_r().is_none() {
        ctx.note("`cosv4-upload -r` rows skipped: the CLI's --help has no --recursive".into());
    }
}

/// The raw sender: folders first, then pre-built `op=upload` requests on 4 connections.
fn small_raw(emu: &Emulator, tree: &Tree, run: usize) -> Result<Row, String> {
    let base = format!("/small-raw-r{run}/");
    let folders: Vec<String> = std::iter::once(base.clone())
        .chain(tree.folders().map(|f| format!("{base}{f}")))
        .collect();
    let mut buf = vec![0u8; (tree.size as usize).next_multiple_of(8)];
    let requests: Vec<Vec<u8>> = (0..tree.count)
        .map(|i| {
            let cos = format!("{base}{}", tree.rel_path(i));
            limits::simple_request(emu.addr(), &cos, tree.content(i, &mut buf))
        })
        .collect();
    let (_, m) = runs::measured(Some(emu), || {
        limits::raw_simple_uploads(emu.addr(), &folders, &requests, WORKERS)
    })?;
    Ok(Row::timed(
        "small_raw",
        run,
        tree.count as u64,
        tree.bytes(),
        m,
    ))
}

/// The loop: one `cosv4-upload` process per file, every 10th file of the tree (100 runs),
/// each creating its missing folders as the CLI does by default.
fn small_loop(emu: &Emulator, cli: &Cli, tree: &Tree, run: usize) -> Result<Row, String> {
    let picked: Vec<usize> = (0..tree.count).step_by(10).collect();
    let (mut cpu, mut rss) = (0.0, 0);
    let srv0 = emu.cpu_seconds();
    let t0 = Instant::now();
    for &i in &picked {
        let rel = tree.rel_path(i);
        let mut cmd = child::cli_command(&cli.bin, &emu.base_url);
        cmd.arg("--quiet")
            .arg(tree.root.join(&rel))
            .arg(format!("/small-loop-r{run}/{rel}"));
        let p = child::run_measured(&cmd)?;
        cpu += p.cpu_s;
        rss = rss.max(p.rss_kib);
    }
    let secs = t0.elapsed().as_secs_f64();
    let srv = emu.cpu_seconds() - srv0;
    let n = picked.len() as u64;
    let mut row = Row::timed("small_cli_loop", run, n, n * tree.size, [secs, cpu, srv]);
    row.rss_kib = Some(rss);
    Ok(row)
}

const LARGE: u64 = 128 * MIB;
const LARGE_COUNT: u64 = 4;

/// Row 2: 4 × 128 MiB, integrity on: the batch against one SHA-1 pass over all the bytes plus
/// the raw sender's time for them.
pub fn large_files(ctx: &mut Ctx) {
    if let Err(why) = files::room_for(LARGE_COUNT * LARGE, ctx.work, ctx.shm) {
        return ctx.note(format!("4 × 128 MiB skipped: {why}"));
    }
    let dir = TempDir::new(ctx.work, "large");
    let paths: Vec<PathBuf> = (0..LARGE_COUNT)
        .map(|i| {
            let p = dir.0.join(format!("large-{i}.bin"));
            files::create_seeded(&p, LARGE, i + 1)
                .unwrap_or_else(|e| panic!("creating {}: {e}", p.display()));
            p
        })
        .collect();
    let counts = (LARGE_COUNT, LARGE_COUNT * LARGE);
    let warm = || -> Result<(), String> {
        paths
            .iter()
            .try_for_each(|p| files::warm(p).map_err(|e| format!("reading {}: {e}", p.display())))
    };
    for run in 1..=ctx.runs {
        eprintln!("-- 4 × 128 MiB run {run}/{}", ctx.runs);
        let sha = warm().and_then(|()| {
            runs::measured(None, || {
                paths.iter().try_for_each(|p| {
                    limits::sha_pass(p)
                        .map(drop)
                        .map_err(|e| format!("{}: {e}", p.display()))
                })
            })
        });
        ctx.keep(sha.map(|(_, m)| Row::timed("large_sha", run, counts.0, counts.1, m)));
        let raw = warm().and_then(|()| large_raw(ctx.emu, &paths, run));
        ctx.keep(raw.map(|m| Row::timed("large_raw", run, counts.0, counts.1, m)));
        let folder = format!("/large-api-r{run}/");
        // Every file sent in slices: none an instant upload of content stored before.
        let sent = |o: &BatchOutcome| {
            o.failed == 0
                && o.uploaded == LARGE_COUNT
                && o.files.iter().all(
                    |f| matches!(&f.status, FileStatus::Uploaded(u) if u.method == Method::Slices),
                )
        };
        let url = &ctx.emu.base_url;
        let api = warm().and_then(|()| {
            let local = (dir.0.as_path(), folder.as_str());
            api_batch(Some(ctx.emu), url, local, &BatchOptions::default(), sent)
        });
        let api = api.and_then(|(_, m)| forget_large(url, &folder).map(|()| m));
        ctx.keep(api.map(|m| Row::timed("large_api", run, counts.0, counts.1, m)));
        if let Some(cli) = ctx.cli_r() {
            let folder = format!("/large-cli-r{run}/");
            let r = warm().and_then(|()| {
                cli_row("large_cli_r", run, ctx.emu, cli, counts, (&dir.0, &folder))
            });
            ctx.keep(r.and_then(|row| forget_large(url, &folder).map(|()| row)));
        }
    }
}

/// Deletes the large files stored under `folder`: the emulator would otherwise answer the
/// next upload of the same content as an instant upload (no data sent).
fn forget_large(base_url: &str, folder: &str) -> Result<(), String> {
    let client = default_client(base_url)?;
    (0..LARGE_COUNT).try_for_each(|i| {
        let path = format!("{folder}large-{i}.bin");
        client
            .delete(BUCKET, &path)
            .map_err(|e| format!("delete {path}: {e}"))
    })
}

/// The raw sender for the large files: their folder created, then each file in turn (4
/// connections, 1 MiB slices, as for one file in the single-file rows).
fn large_raw(emu: &Emulator, paths: &[PathBuf], run: usize) -> Result<[f64; 3], String> {
    let folder = format!("/large-raw-r{run}/");
    let (_, m) = runs::measured(Some(emu), || {
        limits::create_folders(emu.addr(), std::slice::from_ref(&folder))?;
        for (i, p) in paths.iter().enumerate() {
            let cos = format!("{folder}large-{i}.bin");
            limits::raw_upload(emu.addr(), p, LARGE, &cos, SLICE, WORKERS)?;
        }
        Ok(())
    })?;
    Ok(m)
}
