// The API's types, generated from infra/openapi.yaml (npm run types): when the contract changes
// under the portal, the type check fails here and at every use.
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type Account = Schemas['Account'];
export type Booking = Schemas['Booking'];
export type BookingPage = Schemas['BookingPage'];
export type Agenda = Schemas['Agenda'];
export type OrganisationPage = Schemas['OrganisationPage'];
export type BookingRequest = Schemas['BookingRequest'];
export type Attendee = Schemas['Attendee'];
export type Document = Schemas['Document'];
export type Service = Schemas['Service'];
export type Office = Schemas['Office'];
export type Availability = Schemas['Availability'];
export type ApiErrorBody = Schemas['Error'];
export type ErrorCode = ApiErrorBody['error'];
export type Problem = Schemas['Problem'];
export type PersonRegistration = Schemas['PersonRegistration'];
export type OrganisationRegistration = Schemas['OrganisationRegistration'];
export type LoginResult = Schemas['LoginResult'];
export type ActivationResult = Schemas['ActivationResult'];
export type PersonalData = Schemas['PersonalData'];
export type OfficeChange = NonNullable<Schemas['OfficeChange']>;

type Json<P extends keyof paths, M extends keyof paths[P], S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type ServicesResponse = Json<'/services', 'get', 200>;
export type OfficesResponse = Json<'/offices', 'get', 200>;
export type BookingsResponse = Json<'/bookings', 'get', 200>;
/** DELETE /me: `erased` (204), or `in_progress` (202: the nightly pass finishes it). */
export type ErasureOutcome = 'erased' | NonNullable<Json<'/me', 'delete', 202>['status']>;
export type ReceiptCheck = Json<'/receipts/verify', 'get', 200>;
export type OrganisationsQuery = NonNullable<paths['/office/organisations']['get']['parameters']['query']>;
export type AgendaQuery = NonNullable<paths['/office/agenda']['get']['parameters']['query']>;
export type ReportsQuery = NonNullable<paths['/office/reports']['get']['parameters']['query']>;
export type ReportSummary = Schemas['ReportSummary'];
export type ReportFile = ReportSummary['files'][number];
export type Closure = components['schemas']['Closure'];
export type ClosureRequest = NonNullable<paths['/office/closures']['post']['requestBody']>['content']['application/json'];
export type AvailabilityQuery = NonNullable<paths['/availability']['get']['parameters']['query']>;
export type BookingsQuery = NonNullable<paths['/bookings']['get']['parameters']['query']>;
export type Release = Schemas['Release'];
export type ReleasePhase = Release['phase'];
export type OfficeRelease = Schemas['OfficeRelease'];
export type Entry = Schemas['Entry'];
export type EntryState = Entry['state'];
export type Wishes = Schemas['Wishes'];
export type PartOfDay = NonNullable<Wishes['part_of_day']>;
export type GivenPlace = Schemas['GivenPlace'];
export type PublishedDraw = Schemas['PublishedDraw'];
export type ReleasesResponse = Json<'/releases', 'get', 200>;
export type OfficeReleasesResponse = Json<'/office/releases', 'get', 200>;
export type EntriesResponse = Json<'/entries', 'get', 200>;
export type EntryRequest = NonNullable<paths['/releases/{id}/entries']['post']['requestBody']>['content']['application/json'];
export type ReleaseRequest = NonNullable<paths['/office/releases']['post']['requestBody']>['content']['application/json'];
