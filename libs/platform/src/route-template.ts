/** What Express knows of the route a request matched. */
export interface RoutedRequest {
  baseUrl?: string;
  route?: { path?: string };
}

/**
 * The route the request matched, as registered (`/admin/clients/:id`), or `unmatched`: the
 * request log's `route` and the metrics' `route`/`endpoint` label, bounded by the code, never by
 * the paths callers send.
 */
export function routeTemplate(req: RoutedRequest): string {
  const route = req.route?.path;
  return route === undefined ? 'unmatched' : `${req.baseUrl ?? ''}${route}`;
}
