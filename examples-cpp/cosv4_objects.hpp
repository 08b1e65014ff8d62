/*
 * cosv4_objects.hpp -- part of the C++ wrapper cosv4.hpp (include that one): what the object
 * calls of Client take and give (stat, listing, update).
 */
#ifndef COSV4_OBJECTS_HPP
#define COSV4_OBJECTS_HPP

#include "cosv4_core.hpp"

#include <iterator>

namespace cosv4 {

namespace detail {

struct StatFree {
    void operator()(cosv4_stat *p) const noexcept { cosv4_stat_free(p); }
};
struct ListPageFree {
    void operator()(cosv4_list_page *p) const noexcept { cosv4_list_page_free(p); }
};
struct UpdateOptionsFree {
    void operator()(cosv4_update_options *p) const noexcept { cosv4_update_options_free(p); }
};

typedef std::unique_ptr<cosv4_stat, StatFree> StatPtr;
typedef std::unique_ptr<cosv4_list_page, ListPageFree> ListPagePtr;
typedef std::unique_ptr<cosv4_update_options, UpdateOptionsFree> UpdateOptionsPtr;

} // namespace detail

/* ---- stat ------------------------------------------------------------------------------ */

/** A file's or folder's attributes (Client::stat; copied out of the C stat). */
struct Stat {
    bool is_folder;
    uint64_t filesize;       /* declared size (0 for a folder) */
    uint64_t filelen;        /* bytes stored so far (less while an upload is unfinished) */
    int64_t ctime, mtime;    /* Unix seconds; 0 when unknown */
    std::string sha;         /* SHA-1, 40 hex digits ("" for a folder or when unknown) */
    std::string biz_attr;    /* "" when none */
    std::string access_url;  /* download URL ("" for a folder) */
    std::string source_url;  /* origin URL ("" for a folder) */
    std::string authority;   /* "eInvalid", "eWRPrivate", "eWPrivateRPublic" ("" for a folder) */
    std::vector<std::pair<std::string, std::string> > custom_headers; /* sorted by name */
};

namespace detail {

inline Stat stat_of(const cosv4_stat *st) {
    Stat s;
    s.is_folder = cosv4_stat_is_folder(st);
    s.filesize = cosv4_stat_filesize(st);
    s.filelen = cosv4_stat_filelen(st);
    s.ctime = cosv4_stat_ctime(st);
    s.mtime = cosv4_stat_mtime(st);
    s.sha = cosv4_stat_sha(st);
    s.biz_attr = cosv4_stat_biz_attr(st);
    s.access_url = cosv4_stat_access_url(st);
    s.source_url = cosv4_stat_source_url(st);
    s.authority = cosv4_stat_authority(st);
    std::size_t n = cosv4_stat_custom_header_count(st);
    for (std::size_t i = 0; i < n; i++)
        s.custom_headers.push_back(std::make_pair(std::string(cosv4_stat_custom_header_name(st, i)),
                                                  std::string(cosv4_stat_custom_header_value(st, i))));
    return s;
}

} // namespace detail

/* ---- listing --------------------------------------------------------------------------- */

/** One entry of a listed folder: a direct sub-folder or a file. */
struct ListEntry {
    std::string name;     /* inside the listed folder; no trailing '/' for a folder */
    bool is_folder;
    uint64_t size;        /* 0 for a folder */
    std::string sha;      /* "" for a folder or when unknown */
    int64_t ctime, mtime; /* Unix seconds; 0 when unknown */
};

/**
 * One page of a listing (Client::list_page, list_next): its entries (copied out), whether it
 * is the last one, and the C page that continues the listing. Move-only.
 */
class ListPage {
  public:
    explicit ListPage(detail::ListPagePtr page) : page_(std::move(page)) {
        const cosv4_list_page *p = page_.get();
        std::size_t n = cosv4_list_page_count(p);
        entries_.resize(n);
        for (std::size_t i = 0; i < n; i++) {
            ListEntry &e = entries_[i];
            e.name = cosv4_list_page_name(p, i);
            e.is_folder = cosv4_list_page_is_folder(p, i);
            e.size = cosv4_list_page_size(p, i);
            e.sha = cosv4_list_page_sha(p, i);
            e.ctime = cosv4_list_page_ctime(p, i);
            e.mtime = cosv4_list_page_mtime(p, i);
        }
    }
    ListPage(ListPage &&) = default;
    ListPage &operator=(ListPage &&) = default;

    const std::vector<ListEntry> &entries() const noexcept { return entries_; }
    /** Whether this is the last page of the listing. */
    bool listover() const noexcept { return cosv4_list_page_listover(page_.get()); }
    /** The opaque token that continues the listing ("" on the last page): Client::list_page
     *  takes it. */
    std::string context() const { return cosv4_list_page_context(page_.get()); }
    /** The C page (owned by this page). */
    const cosv4_list_page *get() const noexcept { return page_.get(); }

  private:
    detail::ListPagePtr page_;
    std::vector<ListEntry> entries_;
};

namespace detail {

/** The next page after `prev` (same folder, prefix and page size). */
inline ListPage list_next(const cosv4_client *client, const ListPage &prev) {
    cosv4_list_page *raw = NULL;
    cosv4_error *err = NULL;
    cosv4_result rc = cosv4_client_list_next(client, prev.get(), &raw, &err);
    ListPagePtr page(raw);
    check_detail(rc, err);
    return ListPage(std::move(page));
}

/** Where a traversal of a Listing is: the page held and the entry in it. */
struct ListCursor {
    ListCursor(const cosv4_client *c, ListPage first) : client(c), page(std::move(first)) {}
    const cosv4_client *client;
    ListPage page;
    std::size_t index = 0;
    std::size_t pages = 1;
    bool done = false; /* past the last entry of the last page */
};

} // namespace detail

/**
 * An input iterator over the entries of a listing: it holds one page and fetches the next
 * (cosv4_client_list_next) when it steps past the last entry of the page it holds, so
 * operator++ may throw cosv4::Error; it then stays where it was, and ++ again asks for the
 * same page again. Copies share their position.
 */
class ListIterator {
  public:
    typedef std::input_iterator_tag iterator_category;
    typedef ListEntry value_type;
    typedef std::ptrdiff_t difference_type;
    typedef const ListEntry *pointer;
    typedef const ListEntry &reference;

    /** The end of every listing. */
    ListIterator() {}
    explicit ListIterator(std::shared_ptr<detail::ListCursor> cursor) : cursor_(std::move(cursor)) {
        settle();
    }

    reference operator*() const { return cursor_->page.entries()[cursor_->index]; }
    pointer operator->() const { return &**this; }
    ListIterator &operator++() {
        if (at_end()) return *this;
        cursor_->index++;
        settle();
        return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const ListIterator &o) const {
        return at_end() ? o.at_end() : cursor_ == o.cursor_;
    }
    bool operator!=(const ListIterator &o) const { return !(*this == o); }

    /** Pages fetched so far by this traversal, also once it ended (0 for end()). */
    std::size_t pages() const noexcept { return cursor_ ? cursor_->pages : 0; }

  private:
    bool at_end() const noexcept { return !cursor_ || cursor_->done; }
    /** Moves past the end of the page held to the first entry of the next non-empty page,
     *  or to the end of the listing. */
    void settle() {
        while (cursor_->index >= cursor_->page.entries().size()) {
            if (cursor_->page.listover()) {
                cursor_->done = true;
                return;
            }
            cursor_->index = cursor_->page.entries().size();
            ListPage next = detail::list_next(cursor_->client, cursor_->page);
            cursor_->page = std::move(next);
            cursor_->index = 0;
            cursor_->pages++;
        }
    }

    std::shared_ptr<detail::ListCursor> cursor_;
};

/**
 * Every entry of a folder, fetched page by page as the iteration goes (Client::list):
 *   for (const cosv4::ListEntry &e : client.list("bucket", "/dir/")) ...
 * Each begin() starts a new traversal with its first request (cosv4_client_list), and may
 * throw cosv4::Error, as may each step. The Client must outlive the listing and its
 * iterators. A plain value (copyable).
 */
class Listing {
  public:
    ListIterator begin() const {
        cosv4_list_page *raw = NULL;
        cosv4_error *err = NULL;
        cosv4_result rc = cosv4_client_list(
            client_, detail::c_str(bucket_, "bucket"), detail::c_str(folder_, "folder"),
            detail::c_str(prefix_, "prefix"), page_size_, NULL, &raw, &err);
        detail::ListPagePtr page(raw);
        detail::check_detail(rc, err);
        return ListIterator(
            std::make_shared<detail::ListCursor>(client_, ListPage(std::move(page))));
    }
    ListIterator end() const { return ListIterator(); }

  private:
    friend class Client;
    Listing(const cosv4_client *client, std::string bucket, std::string folder,
            std::string prefix, uint32_t page_size)
        : client_(client), bucket_(std::move(bucket)), folder_(std::move(folder)),
          prefix_(std::move(prefix)), page_size_(page_size) {}

    const cosv4_client *client_;
    std::string bucket_, folder_, prefix_;
    uint32_t page_size_;
};

/* ---- update ---------------------------------------------------------------------------- */

/**
 * What Client::update changes; only what is set here (a plain value: copyable, reusable). The
 * library checks the values when the update runs: a bad one throws cosv4::Error naming it.
 */
class UpdateOptions {
  public:
    /** The biz_attr to store (files and folders; "" clears it). */
    UpdateOptions &biz_attr(const std::string &v) {
        biz_attr_ = v;
        has_biz_attr_ = true;
        return *this;
    }
    /** A file's authority: COSV4_AUTHORITY_INHERIT, _PRIVATE or _PUBLIC_READ. */
    UpdateOptions &authority(cosv4_authority a) {
        authority_ = a;
        has_authority_ = true;
        return *this;
    }
    /** Adds a custom header of a file (Cache-Control, Content-Type, Content-Disposition,
     *  Content-Language, Content-Encoding, x-cos-meta-*; a non-empty value). The update
     *  replaces all of the file's custom headers with those added. */
    UpdateOptions &custom_header(const std::string &name, const std::string &value) {
        headers_.push_back(std::make_pair(name, value));
        return *this;
    }
    /** Makes the update remove every custom header of the file (forgets those added so
     *  far; headers added afterwards are set instead). */
    UpdateOptions &clear_custom_headers() {
        headers_.clear();
        clear_headers_ = true;
        return *this;
    }

  private:
    friend class Client;
    detail::UpdateOptionsPtr make() const {
        cosv4_update_options *raw = NULL;
        detail::check(cosv4_update_options_new(&raw), "cosv4_update_options_new");
        detail::UpdateOptionsPtr o(raw);
        if (has_biz_attr_)
            detail::check(cosv4_update_options_set_biz_attr(
                              raw, detail::c_str(biz_attr_, "biz_attr")),
                          "biz_attr");
        if (has_authority_)
            detail::check(cosv4_update_options_set_authority(
                              raw, static_cast<uint32_t>(authority_)),
                          "authority");
        if (clear_headers_)
            detail::check(cosv4_update_options_clear_custom_headers(raw), "custom headers");
        for (std::size_t i = 0; i < headers_.size(); i++) {
            const std::string what = "custom header \"" + headers_[i].first + "\"";
            detail::check(cosv4_update_options_add_custom_header(
                              raw, detail::c_str(headers_[i].first, "header name"),
                              detail::c_str(headers_[i].second, "header value")),
                          what.c_str());
        }
        return o;
    }

    std::string biz_attr_;
    bool has_biz_attr_ = false;
    cosv4_authority authority_ = COSV4_AUTHORITY_INHERIT;
    bool has_authority_ = false;
    std::vector<std::pair<std::string, std::string> > headers_;
    bool clear_headers_ = false;
};

} // namespace cosv4

#endif /* COSV4_OBJECTS_HPP */
