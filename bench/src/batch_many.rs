//! Row 3: many files of 256 B (100 000 by default, `--many N`), folders of 1000: files per
//! second and peak RSS of the process doing the batch.
//!
//! Peak RSS is measured per process with wait4's `ru_maxrss` ([`crate::child`]), so it must be
//! a process that does only the batch: the CLI, and for the library this same binary re-run
//! as a child (`--child-batch`, below) that builds a client, runs `upload_batch` with
//! `Keep::Failed` and exits — the bench's own allocations (test trees, earlier rows' results)
//! are not in it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use cosv4::{BatchOptions, Keep};

use crate::batch::{api_batch, cli_row, Ctx};
use crate::batch_report::Row;
use crate::child;
use crate::tree::Tree;
use crate::{files, TempDir};

const SIZE: u64 = 256;
const PER_FOLDER: usize = 1000;

pub fn many_files(ctx: &mut Ctx, count: usize) {
    eprintln!("-- {count} files of 256 B");
    // tmpfs pages: the tree, then each stored object's content and metadata, twice.
    let need = count as u64 * 5 * 4096 + (1 << 30);
    let available = files::mem_available().unwrap_or(0);
    if available < need {
        let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
        return ctx.note(format!(
            "many-files row skipped: {:.1} GiB of memory available, {:.1} GiB needed",
            gib(available),
            gib(need)
        ));
    }
    let dir = TempDir::new(ctx.work, "many");
    let t0 = Instant::now();
    let tree = Tree::create(&dir.0, count, PER_FOLDER, SIZE)
        .unwrap_or_else(|e| panic!("creating {count} files: {e}"));
    ctx.note(format!(
        "{count} files of 256 B created in {:.1} s (not measured)",
        t0.elapsed().as_secs_f64()
    ));
    let counts = (count as u64, tree.bytes());
    ctx.keep(child_row(ctx, &tree));
    if let Some(cli) = ctx.cli_r() {
        let r = cli_row(
            "many_cli_r",
            1,
            ctx.emu,
            cli,
            counts,
            (&tree.root, "/many-cli/"),
        );
        ctx.keep(r);
    }
}

/// The library's batch in a child process: wall, CPU and peak RSS of that child.
fn child_row(ctx: &Ctx, tree: &Tree) -> Result<Row, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("--child-batch")
        .arg(&ctx.emu.base_url)
        .arg(&tree.root)
        .arg("/many-api/")
        .arg(tree.count.to_string());
    let srv0 = ctx.emu.cpu_seconds();
    let p = child::run_measured(&cmd)?;
    let srv = ctx.emu.cpu_seconds() - srv0;
    let m = [p.secs, p.cpu_s, srv];
    let mut row = Row::timed("many_api", 1, tree.count as u64, tree.bytes(), m);
    row.rss_kib = Some(p.rss_kib);
    Ok(row)
}

/// `cosv4-bench --child-batch BASE_URL LOCAL_DIR COS_FOLDER COUNT`: uploads the directory with
/// cosv4's defaults and `Keep::Failed`; exit status 0 only when all COUNT files were uploaded.
pub fn child_main(args: &[String]) -> i32 {
    let [url, local, folder, count] = args else {
        eprintln!("--child-batch needs BASE_URL LOCAL_DIR COS_FOLDER COUNT");
        return 2;
    };
    let Ok(count) = count.parse::<u64>() else {
        eprintln!("--child-batch: bad COUNT {count:?}");
        return 2;
    };
    let opts = BatchOptions {
        keep: Keep::Failed,
        ..BatchOptions::default()
    };
    let all = |o: &cosv4::BatchOutcome| o.failed == 0 && o.uploaded == count;
    match api_batch(None, url, (Path::new(local), folder), &opts, all) {
        Ok(_) => 0,
        Err(e) => {
            eprintln!("--child-batch: {e}");
            1
        }
    }
}
