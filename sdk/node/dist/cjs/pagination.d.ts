/**
 * Lists are limit/offset pages `{data, total, limit, offset}`. A list method returns a
 * `PagePromise`: `await` it for the first page, or `for await` over it for every item of every
 * page (fetched as the loop goes; an item seen on an earlier page, pushed down by a newer one,
 * is not yielded twice).
 */
export interface PageBody<T> {
    data: T[];
    total: number;
    limit: number;
    offset: number;
}
export type PageFetcher<T> = (offset: number) => Promise<PageBody<T>>;
export declare class Page<T> implements PageBody<T>, AsyncIterable<T> {
    readonly data: T[];
    readonly total: number;
    readonly limit: number;
    readonly offset: number;
    private readonly fetcher;
    constructor(body: PageBody<T>, fetcher: PageFetcher<T>);
    /** Whether items remain after this page. */
    hasMore(): boolean;
    /** The following page, or null after the last one. */
    nextPage(): Promise<Page<T> | null>;
    /** Every item from this page to the last. */
    [Symbol.asyncIterator](): AsyncIterator<T>;
}
export declare class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
    private readonly first;
    constructor(fetcher: PageFetcher<T>, offset: number);
    then<A = Page<T>, B = never>(onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<A | B>;
    catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B>;
    [Symbol.asyncIterator](): AsyncIterator<T>;
    /** Every item of every page, in one array (mind the size of what you list). */
    toArray(): Promise<T[]>;
}
