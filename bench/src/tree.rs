//! Trees of many small test files: `count` files of `size` bytes, `per_folder` to a folder
//! (`d000/f00000.bin`, ...). Every file's content is its own (seeded by its index), so no two
//! files share a SHA-1 and no upload can be an instant one.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub struct Tree {
    pub root: PathBuf,
    pub count: usize,
    pub per_folder: usize,
    pub size: u64,
}

impl Tree {
    /// Writes the tree under `root` (created; left in the page cache, not synced: the
    /// measurements read it, and 100 000 fsyncs would take longer than the uploads).
    pub fn create(root: &Path, count: usize, per_folder: usize, size: u64) -> io::Result<Tree> {
        let tree = Tree {
            root: root.to_path_buf(),
            count,
            per_folder: per_folder.max(1),
            size,
        };
        std::fs::create_dir_all(root)?;
        for folder in tree.folders() {
            std::fs::create_dir_all(root.join(folder))?;
        }
        let mut buf = vec![0u8; (size as usize).next_multiple_of(8)];
        for i in 0..count {
            let mut f = std::fs::File::create(root.join(tree.rel_path(i)))?;
            f.write_all(tree.content(i, &mut buf))?;
        }
        Ok(tree)
    }

    /// `d000/`, `d001/`, ... (relative, ending in `/`).
    pub fn folders(&self) -> impl Iterator<Item = String> {
        (0..self.count.div_ceil(self.per_folder)).map(|k| format!("d{k:03}/"))
    }

    /// `d000/f00000.bin` for file `i`.
    pub fn rel_path(&self, i: usize) -> String {
        format!("d{:03}/f{i:05}.bin", i / self.per_folder)
    }

    /// File `i`'s bytes, in `buf` (at least `size` rounded up to 8 bytes).
    pub fn content<'b>(&self, i: usize, buf: &'b mut [u8]) -> &'b [u8] {
        let mut state = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        crate::files::fill(buf, &mut state);
        &buf[..self.size as usize]
    }

    pub fn bytes(&self) -> u64 {
        self.count as u64 * self.size
    }
}

#[cfg(test)]
mod tests {
    use super::Tree;

    #[test]
    fn folders_of_per_folder_files_each_with_its_own_content() {
        let root = std::env::temp_dir().join(format!("cosv4-bench-tree-{}", std::process::id()));
        let tree = Tree::create(&root, 25, 10, 100).unwrap();
        let folders: Vec<String> = tree.folders().collect();
        assert_eq!(folders, ["d000/", "d001/", "d002/"]);
        assert_eq!(tree.rel_path(24), "d002/f00024.bin");
        let contents: Vec<Vec<u8>> = (0..25)
            .map(|i| std::fs::read(root.join(tree.rel_path(i))).unwrap())
            .collect();
        std::fs::remove_dir_all(&root).unwrap();
        assert!(contents.iter().all(|c| c.len() == 100));
        let mut unique = contents.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 25, "two files share their content");
        assert_eq!(tree.bytes(), 2500);
    }
}
