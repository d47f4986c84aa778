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

export class Page<T> implements PageBody<T>, AsyncIterable<T> {
  readonly data: T[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
  private readonly fetcher: PageFetcher<T>;

  constructor(body: PageBody<T>, fetcher: PageFetcher<T>) {
    this.data = body.data;
    this.total = body.total;
    this.limit = body.limit;
    this.offset = body.offset;
    this.fetcher = fetcher;
  }

  /** Whether items remain after this page. */
  hasMore(): boolean {
    return this.data.length > 0 && this.offset + this.data.length < this.total;
  }

  /** The following page, or null after the last one. */
  async nextPage(): Promise<Page<T> | null> {
    if (!this.hasMore()) return null;
    return new Page(await this.fetcher(this.offset + this.data.length), this.fetcher);
  }

  /** Every item from this page to the last. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    const seen = new Set<unknown>();
    let page: Page<T> | null = this;
    while (page) {
      for (const item of page.data) {
        const id = (item as { id?: unknown } | null)?.id;
        if (id !== undefined) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        yield item;
      }
      page = await page.nextPage();
    }
  }
}

export class PagePromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  private readonly first: Promise<Page<T>>;

  constructor(fetcher: PageFetcher<T>, offset: number) {
    // Started at once, as any promise; a rejection is reported to whoever awaits or iterates.
    this.first = fetcher(offset).then((body) => new Page(body, fetcher));
    this.first.catch(() => undefined);
  }

  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.first.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B> {
    return this.first.catch(onrejected);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    yield* await this.first;
  }

  /** Every item of every page, in one array (mind the size of what you list). */
  async toArray(): Promise<T[]> {
    const items: T[] = [];
    for await (const item of this) items.push(item);
    return items;
  }
}
