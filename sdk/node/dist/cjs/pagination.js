"use strict";
/**
 * Lists are limit/offset pages `{data, total, limit, offset}`. A list method returns a
 * `PagePromise`: `await` it for the first page, or `for await` over it for every item of every
 * page (fetched as the loop goes; an item seen on an earlier page, pushed down by a newer one,
 * is not yielded twice).
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.PagePromise = exports.Page = void 0;
class Page {
    data;
    total;
    limit;
    offset;
    fetcher;
    constructor(body, fetcher) {
        this.data = body.data;
        this.total = body.total;
        this.limit = body.limit;
        this.offset = body.offset;
        this.fetcher = fetcher;
    }
    /** Whether items remain after this page. */
    hasMore() {
        return this.data.length > 0 && this.offset + this.data.length < this.total;
    }
    /** The following page, or null after the last one. */
    async nextPage() {
        if (!this.hasMore())
            return null;
        return new Page(await this.fetcher(this.offset + this.data.length), this.fetcher);
    }
    /** Every item from this page to the last. */
    async *[Symbol.asyncIterator]() {
        const seen = new Set();
        let page = this;
        while (page) {
            for (const item of page.data) {
                const id = item?.id;
                if (id !== undefined) {
                    if (seen.has(id))
                        continue;
                    seen.add(id);
                }
                yield item;
            }
            page = await page.nextPage();
        }
    }
}
exports.Page = Page;
class PagePromise {
    first;
    constructor(fetcher, offset) {
        // Started at once, as any promise; a rejection is reported to whoever awaits or iterates.
        this.first = fetcher(offset).then((body) => new Page(body, fetcher));
        this.first.catch(() => undefined);
    }
    then(onfulfilled, onrejected) {
        return this.first.then(onfulfilled, onrejected);
    }
    catch(onrejected) {
        return this.first.catch(onrejected);
    }
    async *[Symbol.asyncIterator]() {
        yield* await this.first;
    }
    /** Every item of every page, in one array (mind the size of what you list). */
    async toArray() {
        const items = [];
        for await (const item of this)
            items.push(item);
        return items;
    }
}
exports.PagePromise = PagePromise;
